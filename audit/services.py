"""Recording audit events. Callers hold their transaction: the event commits with the change."""

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User

from audit.models import AuditEvent
from core.money import format_money

Actor = User | AnonymousUser | None


def audit_value(value: object) -> object:
    """A value as the API writes it: money "40.00", dates and instants ISO-8601, the rest as is."""
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def audit_changes(before: Mapping[str, object], after: Mapping[str, object]) -> dict[str, list[object]]:
    """`{"field": [old, new]}` for every field whose value differs between two snapshots."""
    fields = list(dict.fromkeys([*before, *after]))
    return {
        name: [audit_value(before.get(name)), audit_value(after.get(name))]
        for name in fields
        if audit_value(before.get(name)) != audit_value(after.get(name))
    }


def audit_record(
    *, actor: Actor, action: str, object_type: str, object_id: object, changes: Mapping[str, list[object]]
) -> AuditEvent:
    """Append one event. An anonymous or missing actor is recorded as the system (null)."""
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        actor=user,
        actor_username=user.get_username() if user is not None else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        changes=dict(changes),
    )
