"""`GET /healthz`: the process answers (no database, no cache: a liveness probe restarts only a
process that is stuck). `GET /readyz`: this node can serve: 503 only when it cannot (the database
unreachable, migrations not applied, a configured cache unreachable); the business alarms make it
answer 200 with `"status": "degraded"` (ops/health/readiness.py). Both anonymous, never cached,
outside the API's schema.
"""

from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from ops.health.readiness import readiness


def _never_cached(response: JsonResponse) -> JsonResponse:
    add_never_cache_headers(response)
    return response


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return _never_cached(JsonResponse({"status": "ok"}))


@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    status, body = readiness()
    return _never_cached(JsonResponse(body, status=status))
