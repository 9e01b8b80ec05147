"""The request id: taken from `X-Request-ID` when the client (or the load balancer) sent a sane one,
generated otherwise; bound to every log line the request causes (core/log_context.py), echoed in the
response, and handed with the user's id and the client's address to gunicorn's access line (through
the WSGI environ: `wls.request_id`, `wls.user_id`, `wls.client_ip`, read by config/logging.py).
"""

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from api.client_ip import client_ip
from core.log_context import bind_request

REQUEST_ID_HEADER = "X-Request-ID"
# What is taken from a client: 8 to 128 characters of letters, digits and - _ . : (a UUID, a trace id,
# an AWS or nginx request id). Anything else (spaces, quotes, control characters, longer) is replaced.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def request_id_of(header: str | None) -> str:
    return header if header and SANE_REQUEST_ID.fullmatch(header) else uuid.uuid4().hex


def _user_id(request: HttpRequest) -> int | None:
    """The authenticated user's id once someone resolved it (session middleware or DRF); never queries."""
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if getattr(user, "is_authenticated", False) else None


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_of(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        request.META["wls.request_id"] = request_id
        request.META["wls.client_ip"] = client_ip(request)
        bind_request(request_id=request_id, user=lambda: _user_id(request))  # cleared by request_finished
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        user_id = _user_id(request)
        if user_id is not None:
            request.META["wls.user_id"] = str(user_id)
        return response
