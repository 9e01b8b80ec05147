"""Worker users (API.md "Authentication and roles"): a Django user linked to a Worker may read
their own worker, worklogs, segments, remittances, balance and statement, and record segments on
their own worklogs. Views scope their querysets with `viewer_scope`; another worker's objects are
then simply not found (404)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from api.permissions import is_finance
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


def viewer_scope(request):
    """The worker whose objects a request is limited to: None for finance staff (everything)."""
    return None if is_finance(request.user) else worker_of(request.user)
