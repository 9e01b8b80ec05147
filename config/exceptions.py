"""One exception handler for the whole API: domain errors become 400/409, never 500."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ledger.errors import DomainError


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_payload(), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)
