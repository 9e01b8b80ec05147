"""The three kinds of user of API.md: finance staff, worker users, and everyone else (403)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

FINANCE_GROUP = "finance"


def is_finance(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_finance", None)
    if cached is None:
        cached = user.groups.filter(name=FINANCE_GROUP).exists()
        user._is_finance = cached
    return cached


def worker_of(user):
    """The Worker linked to this login, or None."""
    if not (user and user.is_authenticated):
        return None
    if not hasattr(user, "_worker_cache"):
        from worklogs.models import Worker

        user._worker_cache = Worker.objects.filter(user=user).first()
    return user._worker_cache


class IsFinanceStaff(BasePermission):
    message = "Only finance staff may do this."

    def has_permission(self, request, view) -> bool:
        return is_finance(request.user)


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
