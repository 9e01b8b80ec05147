"""API tokens (django-rest-knox): `Authorization: Token <key>`, the key stored only as a digest.

One query per request finds the token by its digest (SHA-512 of the key: the table holds no usable
key), skips it when expired, and answers in the same query whether its user is finance staff and
whether it is an integration. Every API request asks both (`api.permissions.is_finance`, the
throttle's budget); one query instead of three is a measurable share of a list page
(docs/PERFORMANCE.md). An expired token is refused like an unknown one (401); expired rows are
deleted when their user next gets a token (`api.tokens.token_issue`).
"""

import binascii

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework import exceptions

from api.permissions import FINANCE_GROUP, INTEGRATION_GROUP


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        invalid = exceptions.AuthenticationFailed(_("Invalid token."))
        try:
            digest = hash_token(token.decode("utf-8"))
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise invalid from None
        auth_token = (
            AuthToken.objects.select_related("user")
            .annotate(
                user_in_finance=Exists(Group.objects.filter(name=FINANCE_GROUP, user=OuterRef("user_id"))),
                user_in_integration=Exists(Group.objects.filter(name=INTEGRATION_GROUP, user=OuterRef("user_id"))),
            )
            .filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()), digest=digest)
            .first()
        )
        if auth_token is None:
            raise invalid
        user = auth_token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        user._is_finance = auth_token.user_in_finance  # read by api.permissions
        user._is_integration = auth_token.user_in_integration
        return (user, auth_token)


class TokenScheme(OpenApiAuthenticationExtension):
    """The schema's `tokenAuth`: `Authorization: Token <key>` (knox's own extension names it otherwise)."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
