"""API tokens (django-rest-knox): `Authorization: Token <key>`, the key stored only as a digest.

One query per request finds the token by its digest (SHA-512 of the key: the table holds no usable
key), skips it when expired, and answers in the same query whether its user is finance staff and
whether it is an integration. Every API request asks both (`api.permissions.is_finance`, the
throttle's budget); one query instead of three is a measurable share of a list page
(docs/PERFORMANCE.md). Its SQL is written once per process from the models' own table and column
names (`TokenQuery`), not compiled by the ORM on every request: compiling it was a third of the
authentication's time. An expired token is refused like an unknown one (401); expired rows are
deleted when their user next gets a token (`api.tokens.token_issue`).
"""

import binascii
from functools import cached_property

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connections, models, router
from django.db.models.options import Options
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework import exceptions

from api.permissions import FINANCE_GROUP, INTEGRATION_GROUP


def _column(meta: Options, name: str) -> str:
    field = meta.get_field(name)
    assert isinstance(field, models.Field)  # a concrete column, not a relation's reverse side
    return field.column


class TokenQuery:
    """The token, its user and the user's two roles, by digest, in one statement written once.

    Table and column names come from the models (`_meta`), so a renamed column is a renamed query;
    rows become model instances through `Model.from_db`, as the ORM itself builds them."""

    @cached_property
    def _layout(self):
        user_model = get_user_model()
        token_fields = list(AuthToken._meta.concrete_fields)
        user_fields = list(user_model._meta.concrete_fields)
        membership = user_model.groups.through._meta
        names = {
            "token": AuthToken._meta.db_table,
            "token_user": _column(AuthToken._meta, "user"),
            "user": user_model._meta.db_table,
            "user_pk": user_model._meta.pk.column,
            "group": Group._meta.db_table,
            "group_pk": Group._meta.pk.column,
            "membership": membership.db_table,
            "member_user": _column(membership, "user"),
            "member_group": _column(membership, "group"),
        }
        role = (  # noqa: S608 (names from the models' _meta)
            'EXISTS (SELECT 1 FROM "{membership}" m JOIN "{group}" g ON g."{group_pk}" = m."{member_group}" '
            'WHERE m."{member_user}" = u."{user_pk}" AND g."name" = %s)'
        ).format(**names)
        columns = [f't."{f.column}"' for f in token_fields] + [f'u."{f.column}"' for f in user_fields]
        sql = (
            f"SELECT {', '.join(columns)}, {role}, {role} "  # noqa: S608 (names from the models' _meta)
            'FROM "{token}" t JOIN "{user}" u ON u."{user_pk}" = t."{token_user}" '
            'WHERE t."digest" = %s AND (t."expiry" IS NULL OR t."expiry" > %s)'.format(**names)
        )
        return sql, token_fields, user_fields, user_model

    def find(self, digest: str):
        """(token, user, is finance, is integration), or None when no live token has this digest."""
        sql, token_fields, user_fields, user_model = self._layout
        alias = router.db_for_read(AuthToken)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, [FINANCE_GROUP, INTEGRATION_GROUP, digest, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            return None
        values = []
        for field, value in zip([*token_fields, *user_fields], row, strict=False):
            column = field.get_col(field.model._meta.db_table)
            for convert in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
                value = convert(value, column, connection)
            values.append(value)
        n = len(token_fields)
        token = AuthToken.from_db(alias, [f.attname for f in token_fields], values[:n])
        user = user_model.from_db(alias, [f.attname for f in user_fields], values[n:])
        token.user = user
        return token, user, bool(row[-2]), bool(row[-1])


TOKEN_QUERY = TokenQuery()


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        invalid = exceptions.AuthenticationFailed(_("Invalid token."))
        try:
            digest = hash_token(token.decode("utf-8"))
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise invalid from None
        found = TOKEN_QUERY.find(digest)
        if found is None:
            raise invalid
        auth_token, user, in_finance, in_integration = found
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        user._is_finance = in_finance  # read by api.permissions
        user._is_integration = in_integration
        return (user, auth_token)


class TokenScheme(OpenApiAuthenticationExtension):
    """The schema's `tokenAuth`: `Authorization: Token <key>` (knox's own extension names it otherwise)."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
