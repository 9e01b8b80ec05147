"""Finance staff (API.md "Authentication and roles"): a superuser, or a member of the group `finance`.

The roles that know about workers (a worker user reading their own objects) live with the worklogs
API (`worklogs.api.permissions`), which builds on these."""

from rest_framework.permissions import BasePermission

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


class IsFinanceStaff(BasePermission):
    message = "Only finance staff may do this."

    def has_permission(self, request, view) -> bool:
        return is_finance(request.user)
