"""The changes to users that the trail records: group membership and token revocations by finance.

Group membership decides who is finance (may pay anyone) and who is an integration (holds
non-expiring tokens), so every change of it is recorded, wherever it is made (the admin's user
pages, a shell, a command), by a receiver of `m2m_changed` on `User.groups`: a signal, because
Django's admin, `user.groups.add()` and `group.user_set.remove()` share no other path. The receiver
cannot see a request; the admin names the actor explicitly around its save (`acting_as`), and a
change made anywhere else is recorded with actor null (the system).

Token revocation lives in `api.tokens`, below this app in the layers: `user_tokens_revoke` is the
revocation that finance makes, recorded in the same transaction.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from knox.models import AuthToken

from api.permissions import is_integration
from api.tokens import token_issue, tokens_revoke_for_user
from audit.models import Action, ObjectType
from audit.services import Actor, audit_record
from core.errors import InvalidInput

_acting: ContextVar[Actor] = ContextVar("audit_acting", default=None)
# Memberships about to be removed or cleared, read before the delete (pre_*) for the post_* signal.
_LEAVING = "_audit_memberships_leaving"


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Group changes made inside the block are recorded as `actor`'s."""
    token = _acting.set(actor)
    try:
        yield
    finally:
        _acting.reset(token)


def _record(*, memberships: Iterable[tuple[int, str]], action: str) -> None:
    for user_id, group_name in sorted(memberships):
        change: list[object] = [None, group_name] if action == Action.USER_GROUP_ADDED else [group_name, None]
        audit_record(
            actor=_acting.get(),
            action=action,
            object_type=ObjectType.USER,
            object_id=user_id,
            changes={"group": change},
        )


def _memberships(instance: Model, *, reverse: bool, pk_set: Iterable[int] | None) -> list[tuple[int, str]]:
    """(user id, group name) of the rows between `instance` and `pk_set` (all of them when None)."""
    rows = User.groups.through.objects.filter(**{"group_id" if reverse else "user_id": instance.pk})
    if pk_set is not None:
        rows = rows.filter(**{"user_id__in" if reverse else "group_id__in": list(pk_set)})
    return list(rows.values_list("user_id", "group__name"))


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="audit_user_groups_changed")
def user_groups_changed(
    sender: type[Model], instance: Model, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: object
) -> None:
    """`user.groups.add/remove/set/clear()` or the reverse through `group.user_set`, in the change's transaction."""
    if action in ("pre_remove", "pre_clear"):
        # The rows that exist and will go (removing a group the user is not in sends its id too).
        setattr(instance, _LEAVING, _memberships(instance, reverse=reverse, pk_set=pk_set))
    elif action in ("post_remove", "post_clear"):
        _record(memberships=getattr(instance, _LEAVING, []), action=Action.USER_GROUP_REMOVED)
        setattr(instance, _LEAVING, [])
    elif action == "post_add" and pk_set:  # pk_set: only the memberships this call created
        if isinstance(instance, Group):  # group.user_set.add(...)
            added = [(user_id, instance.name) for user_id in pk_set]
        else:
            added = [(instance.pk, name) for name in Group.objects.filter(pk__in=pk_set).values_list("name", flat=True)]
        _record(memberships=added, action=Action.USER_GROUP_ADDED)


@transaction.atomic
def user_tokens_revoke(*, user: User, actor: Actor) -> int:
    """Revoke every API token of `user` (a lost laptop, a leaked script, someone who left) and record
    who did it. Returns how many were revoked."""
    revoked = tokens_revoke_for_user(user=user, actor=actor if isinstance(actor, User) else None)
    audit_record(
        actor=actor,
        action=Action.USER_TOKENS_REVOKED,
        object_type=ObjectType.USER,
        object_id=user.pk,
        changes={"tokens": [revoked, 0]},
    )
    return revoked


@transaction.atomic
def user_token_issue(*, user: User, actor: Actor) -> tuple[AuthToken, str]:
    """Issue an integration's API token (it never expires until revoked) and record who did it.

    Returns the token and its key, which exists nowhere else: show it once. Rotating is issuing a new
    one, then revoking the old ones. A person gets their token by logging in, not here.
    """
    if not is_integration(user):
        raise InvalidInput(f"{user.get_username()!r} is not in the group 'integration'; people log in for a token.")
    before = AuthToken.objects.filter(user=user).count()
    token, key = token_issue(user=user)
    audit_record(
        actor=actor,
        action=Action.USER_TOKEN_ISSUED,
        object_type=ObjectType.USER,
        object_id=user.pk,
        changes={"tokens": [before, before + 1]},
    )
    return token, key
