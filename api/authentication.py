"""Token authentication that also answers "is this finance staff?" in the same query.

Every API request asks both (DRF's token lookup, then `api.permissions.is_finance`); one query
instead of two is a measurable share of a list page (docs/PERFORMANCE.md).
"""

from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api.permissions import FINANCE_GROUP

if TYPE_CHECKING:
    from rest_framework.authtoken.models import Token


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        in_finance = Group.objects.filter(name=FINANCE_GROUP, user=OuterRef("user_id"))
        token = (
            cast("type[Token]", self.get_model())  # DRF's Token: this class sets no other `model`
            .objects.select_related("user")
            .annotate(user_in_finance=Exists(in_finance))
            .filter(key=key)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token.user._is_finance = token.user_in_finance  # read by api.permissions.is_finance
        return (token.user, token)
