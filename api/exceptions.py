"""The one place a domain error becomes an HTTP answer: its class decides the status, once.

Services raise `core.errors` classes with a message, a code and (optionally) the snake_case name of
the offending field; here they become `400 {"field": ["message"]}` (the field camelCased, as on
the wire) or `{"detail": "...", "code": "..."}` with the class's status. Django's own
`ValidationError` (a model or form check) is a 400 too. Nothing else reaches a client as a 500.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from djangorestframework_camel_case.util import camelize_re, underscore_to_camel
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import Conflict, DomainError, NotPermitted, Unauthenticated

# Most specific first: the first class an error is an instance of decides its status.
STATUS_BY_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (Unauthenticated, status.HTTP_401_UNAUTHORIZED),
    (NotPermitted, status.HTTP_403_FORBIDDEN),
    (Conflict, status.HTTP_409_CONFLICT),
    (DomainError, status.HTTP_400_BAD_REQUEST),
)


def status_of(exc: DomainError) -> int:
    return next(code for cls, code in STATUS_BY_ERROR if isinstance(exc, cls))


def wire_name(field: str) -> str:
    """A snake_case field name as the API spells it (camelCase)."""
    return camelize_re.sub(underscore_to_camel, field)


def body_of(exc: DomainError) -> dict:
    if exc.field:
        return {wire_name(exc.field): [exc.message]}
    return {"detail": exc.message, "code": exc.code}


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(body_of(exc), status=status_of(exc))
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)
