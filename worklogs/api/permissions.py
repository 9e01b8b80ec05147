"""Worker users and integrations (API.md "Authentication and roles").

A Django user linked to a Worker may read their own worker, worklogs, segments, remittances, balance
and statement, and record segments on their own worklogs. Views scope their querysets with
`viewer_scope`; another worker's objects are then simply not found (404).

An integration (the group `integration`, the time-tracking client) may call what each view lists in
its `integration_actions`: create and read workers, tasks and worklogs, record and read segments,
and correct them (`remove`, `adjust`). Disputes and their resolution stay finance's review, and
nothing about money owed or paid (balances, statements, adjustments, remittances, runs, payouts,
the audit trail, CSV exports) is open to it: 403.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from api.permissions import is_finance, is_integration
from worklogs.models import Worker


def worker_of(user):
    """The Worker linked to this login, or None."""
    if not (user and user.is_authenticated):
        return None
    if not hasattr(user, "_worker_cache"):
        user._worker_cache = Worker.objects.filter(user=user).first()
    return user._worker_cache


class IsFinanceOrWorkerReading(BasePermission):
    """Finance staff do anything; a worker user may read (their own objects, scoped by the view)."""

    message = "Only finance staff may do this."

    def has_permission(self, request, view) -> bool:
        if is_finance(request.user):
            return True
        return request.method in SAFE_METHODS and worker_of(request.user) is not None


class IsFinanceOrWorker(BasePermission):
    """Finance staff, or a worker user acting on their own objects (scoped by the view)."""

    message = "Only finance staff or the worker may do this."

    def has_permission(self, request, view) -> bool:
        return is_finance(request.user) or worker_of(request.user) is not None


def _exporting_csv(request) -> bool:
    renderer = getattr(request, "accepted_renderer", None)  # negotiated before permissions are checked
    return renderer is not None and renderer.format == "csv"


class IntegrationMay(BasePermission):
    """An integration may call the view's `integration_actions` (never a CSV export); combine with `|`."""

    message = "An integration may not do this."

    def has_permission(self, request, view) -> bool:
        if not is_integration(request.user) or _exporting_csv(request):
            return False
        return getattr(view, "action", None) in getattr(view, "integration_actions", ())


def viewer_scope(request):
    """The worker whose objects a request is limited to: None (everything) for finance staff, and for an
    integration that is no worker's login (on the views its permission lets it call)."""
    if is_finance(request.user):
        return None
    return worker_of(request.user)  # None for an integration


class IsFinanceIntegrationOrWorker(BasePermission):
    """Finance staff, an integration, or a worker user acting on their own objects (scoped by the view)."""

    message = "Only finance staff, an integration or the worker may do this."

    def has_permission(self, request, view) -> bool:
        return is_finance(request.user) or is_integration(request.user) or worker_of(request.user) is not None
