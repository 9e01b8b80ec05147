"""The client's address, one rule for the login lockout (django-axes) and the throttles (DRF)."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind `TRUSTED_PROXY_COUNT` proxies the address the outermost of them saw
    (the N-th from the right of X-Forwarded-For; what a client wrote further left is ignored)."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",")]
    return addresses[-min(proxies, len(addresses))] or remote
