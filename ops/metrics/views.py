"""`GET /metrics` for Prometheus: open to loopback and `METRICS_ALLOWED_NETWORKS`, and to a finance
user's API token from anywhere; 403 otherwise (401 for a bad token). Outside the API's schema.

Under gunicorn every worker writes its request metrics into `PROMETHEUS_MULTIPROC_DIR`
(gunicorn.conf.py creates and cleans it), and whichever worker answers the scrape sums them.
"""

import ipaddress
import os

import prometheus_client
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe
from prometheus_client import multiprocess
from rest_framework.exceptions import AuthenticationFailed

from api.authentication import TokenAuthentication
from api.client_ip import client_ip
from api.permissions import is_finance
from ops.metrics.collector import DomainCollector


def _from_allowed_network(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


def _registries() -> list[prometheus_client.CollectorRegistry]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = prometheus_client.REGISTRY
    domain = prometheus_client.CollectorRegistry()
    domain.register(DomainCollector())
    return [processes, domain]


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not _from_allowed_network(request):
        try:
            authenticated = TokenAuthentication().authenticate(request)
        except AuthenticationFailed as exc:
            return JsonResponse({"detail": str(exc.detail)}, status=401)
        if authenticated is None or not is_finance(authenticated[0]):
            return JsonResponse(
                {"detail": "Metrics are open to the monitoring network and to finance tokens."}, status=403
            )
    body = b"".join(prometheus_client.generate_latest(registry) for registry in _registries())
    response = HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
