"""Request budgets (DRF throttles): 429 with Retry-After once a budget is spent.

Fixed windows counted with one atomic cache increment per request (`cache.incr`: Redis INCRBY when
`REDIS_URL` is set, so every worker and host shares the count; a lock in local memory otherwise),
instead of DRF's default sliding log, which reads and rewrites the list of every request of the
window (6,000 timestamps at the default user budget) on each call. A window may let up to twice the
budget through across its boundary; the budgets are far above real work, so that is harmless.

Rates come from `settings.THROTTLE_RATES` (`DJANGO_THROTTLE_RATES`), read per request.
"""

import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from api.client_ip import client_ip
from api.permissions import is_integration

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    number, period = rate.split("/")
    return int(number), PERIODS[period[0]]


def count_in_window(key: str, duration: int) -> int:
    """This request's number in its window (1 for the first), counted atomically."""
    try:
        return cache.incr(key)
    except ValueError:  # the window's first request (or its key just expired)
        if cache.add(key, 1, timeout=duration + 1):
            return 1
        return cache.incr(key)


class WindowThrottle(BaseThrottle):
    def scope_and_ident(self, request) -> tuple[str, str] | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        self._wait: float | None = None
        scoped = self.scope_and_ident(request)
        if scoped is None:
            return True
        scope, ident = scoped
        allowed, duration = parse_rate(settings.THROTTLE_RATES[scope])
        now = time.time()
        window = int(now // duration)
        if count_in_window(f"throttle:{scope}:{ident}:{window}", duration) <= allowed:
            return True
        self._wait = (window + 1) * duration - now
        return False

    def wait(self) -> float | None:
        return math.ceil(self._wait) if self._wait is not None else None


class LoginRateThrottle(WindowThrottle):
    """Token requests per client address (`login` budget), whatever the username."""

    def scope_and_ident(self, request) -> tuple[str, str] | None:
        return "login", client_ip(request)


class UserRateThrottle(WindowThrottle):
    """Requests per authenticated user: `user`, or `integration` for the integration group."""

    def scope_and_ident(self, request) -> tuple[str, str] | None:
        user = request.user
        if not (user and user.is_authenticated):
            return None
        return ("integration" if is_integration(user) else "user"), str(user.pk)
