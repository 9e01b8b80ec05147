"""What /readyz answers (and `manage.py readiness`, the worker's and scheduler's container healthcheck).

The checks are django-health-check's (the database, the cache) and ours (`checks`). Its own view runs
every check in a thread pool under an event loop; here each runs in the caller's thread, one after
another, so a probe uses the request's one database connection (closed or kept as every request's
is) instead of leaving one open in each pool thread, and sees what the request sees.
"""

import inspect
import logging
import timeit
from collections.abc import Callable

from asgiref.sync import async_to_sync
from django.conf import settings
from health_check import Cache, Database, HealthCheck
from health_check.exceptions import HealthCheckException, ServiceWarning

from ops.health import checks

logger = logging.getLogger(__name__)


def _critical_checks() -> dict[str, HealthCheck]:
    critical: dict[str, HealthCheck] = {"database": Database(), "migrations": checks.Migrations()}
    if settings.REDIS_URL:  # the configured cache: throttle counters shared by every node
        critical["cache"] = Cache()
    return critical


ALARMS: dict[str, Callable[[], HealthCheck]] = {
    "queued_tasks": checks.QueuedTasks,
    "payouts_in_doubt": checks.PayoutsInDoubt,
    "stalled_runs": checks.StalledRuns,
    "audit_differences": checks.AuditDifferences,
}


def _run(check: HealthCheck) -> tuple[HealthCheckException | None, float]:
    """The check's error (None when it passed) and its time, as django-health-check reports them."""
    started = timeit.default_timer()
    try:
        if inspect.iscoroutinefunction(check.run):
            async_to_sync(check.run)()
        else:
            check.run()
    except HealthCheckException as exc:
        error: HealthCheckException | None = exc
    except Exception:  # an unexpected failure is logged; its detail is not shown to anonymous callers
        logger.exception("Health check %r failed unexpectedly", check)
        error = HealthCheckException("unexpected error")
    else:
        error = None
    return error, timeit.default_timer() - started


def _report(error: HealthCheckException | None, seconds: float, failed: str) -> dict[str, object]:
    report: dict[str, object] = {"status": "ok" if error is None else failed, "ms": round(seconds * 1000, 1)}
    if error is not None:
        report["detail"] = error.message
    return report


def readiness(*, alarms: bool = True) -> tuple[int, dict[str, object]]:
    """(HTTP status, body): 503 "unavailable" when a check this node needs fails; else 200, "ok" or
    "degraded" by the business alarms (left out with `alarms=False`)."""
    body: dict[str, object] = {}
    critical: dict[str, tuple[HealthCheckException | None, float]] = {}
    for name, check in _critical_checks().items():
        database_down = critical.get("database", (None, 0.0))[0] is not None
        # Without the database the migrations cannot be read: no second wait for the same timeout.
        critical[name] = (HealthCheckException("the database is unavailable"), 0.0) if database_down else _run(check)
    body["checks"] = {name: _report(error, seconds, "unavailable") for name, (error, seconds) in critical.items()}
    if any(error is not None for error, _ in critical.values()):
        return 503, {"status": "unavailable", **body}
    if not alarms:
        return 200, {"status": "ok", **body}
    results = {name: _run(factory()) for name, factory in ALARMS.items()}
    body["alarms"] = {name: _report(error, seconds, "degraded") for name, (error, seconds) in results.items()}
    unexpected = [n for n, (error, _) in results.items() if error is not None and not isinstance(error, ServiceWarning)]
    if unexpected:
        logger.error("Readiness alarms could not be read: %s", ", ".join(unexpected))
    degraded = any(error is not None for error, _ in results.values())
    return 200, {"status": "degraded" if degraded else "ok", **body}
