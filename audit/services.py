"""Recording audit events. Callers hold their transaction: the event commits with the change."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Model
from django.utils import timezone

from audit.models import AuditEvent
from core.money import format_money

#: Who acted: a user, or None (or an anonymous request) for the system: a scheduled run, a provider's
#: event, a command run from a shell.
Actor = User | AnonymousUser | None


def audit_value(value: object) -> object:
    """A value as the API writes it: money "40.00", instants as DRF writes them (in `TIME_ZONE`, "Z"
    for UTC), dates ISO-8601, the rest as is."""
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, datetime):
        text = (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def audit_snapshot(obj: Model, fields: Iterable[str]) -> dict[str, object]:
    """The named attributes of a row (`worker_id` for a foreign key), to compare with `audit_changes`."""
    return {name: getattr(obj, name) for name in fields}


def audit_changes(before: Mapping[str, object], after: Mapping[str, object]) -> dict[str, list[object]]:
    """`{"field": [old, new]}` for every field whose value differs between two snapshots."""
    fields = list(dict.fromkeys([*before, *after]))
    return {
        name: [audit_value(before.get(name)), audit_value(after.get(name))]
        for name in fields
        if audit_value(before.get(name)) != audit_value(after.get(name))
    }


def audit_actor(actor: Actor) -> User | None:
    """The user to record: None for the system (no actor, or an anonymous request)."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def audit_record(
    *, actor: Actor, action: str, object_type: str, object_id: object, changes: Mapping[str, list[object]]
) -> AuditEvent:
    """Append one event. An anonymous or missing actor is recorded as the system (null)."""
    user = audit_actor(actor)
    return AuditEvent.objects.create(
        actor=user,
        actor_username=user.get_username() if user is not None else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        changes=dict(changes),
    )


def audit_record_many(
    *, actor: Actor, action: str, object_type: str, changes_by_id: Sequence[tuple[object, Mapping[str, list[object]]]]
) -> list[AuditEvent]:
    """Append one event per (object id, changes), by one actor, in one insert (a batch of segments)."""
    user = audit_actor(actor)
    username = user.get_username() if user is not None else ""
    return AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=user,
                actor_username=username,
                action=action,
                object_type=object_type,
                object_id=str(object_id),
                changes=dict(changes),
            )
            for object_id, changes in changes_by_id
        ]
    )
