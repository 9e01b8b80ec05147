"""Finance staff (API.md "Authentication and roles"): a superuser, or a member of the group `finance`.

Members of the group `integration` are machine clients: their API tokens never expire until revoked
and they have their own request budget (`api.tokens`, `api.throttling`); what they may do is decided
by their other groups and permissions.

The roles that know about workers (a worker user reading their own objects) live with the worklogs
API (`worklogs.api.permissions`), which builds on these."""

from rest_framework.permissions import BasePermission

FINANCE_GROUP = "finance"
INTEGRATION_GROUP = "integration"


def _in_group(user, name: str, cache_attribute: str) -> bool:
    cached = getattr(user, cache_attribute, None)
    if cached is None:
        cached = user.groups.filter(name=name).exists()
        setattr(user, cache_attribute, cached)
    return cached


def is_finance(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return _in_group(user, FINANCE_GROUP, "_is_finance")


def is_integration(user) -> bool:
    """Read from the token query when the request came with a token (`api.authentication`)."""
    if not (user and user.is_authenticated):
        return False
    return _in_group(user, INTEGRATION_GROUP, "_is_integration")


class IsFinanceStaff(BasePermission):
    message = "Only finance staff may do this."

    def has_permission(self, request, view) -> bool:
        return is_finance(request.user)
