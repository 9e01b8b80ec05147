"""Issuing and revoking API tokens (django-rest-knox's AuthToken: the key is shown once, stored as a digest).

A person's token expires after `API_TOKEN_TTL_HOURS`; a member of the `integration` group gets one
that never expires until revoked. A user may hold many tokens (one per device or script): logging
out revokes the one used, finance can revoke all of a user's at once (API and admin).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from api.permissions import is_integration

logger = logging.getLogger(__name__)


def token_lifetime(*, user: AbstractBaseUser) -> timedelta | None:
    if is_integration(user):
        return None
    return timedelta(hours=settings.API_TOKEN_TTL_HOURS)


@transaction.atomic
def token_issue(*, user: AbstractBaseUser) -> tuple[AuthToken, str]:
    """A new token for the user; returns the row and the key, which exists nowhere else."""
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    return AuthToken.objects.create(user=user, expiry=token_lifetime(user=user))


def token_revoke(*, token: AuthToken) -> None:
    token.delete()


@transaction.atomic
def tokens_revoke_for_user(*, user: AbstractBaseUser, actor: AbstractBaseUser | None) -> int:
    """Revokes every token of the user; returns how many were valid or not yet cleaned up."""
    revoked, _ = AuthToken.objects.filter(user=user).delete()
    logger.info("API tokens revoked: %s of user %s by %s", revoked, user.pk, getattr(actor, "pk", None))
    return revoked
