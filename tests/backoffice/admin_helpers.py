"""Helpers of the admin tests: a logged-in client, changelist actions, messages, time recorded by the service."""

from datetime import UTC, date, datetime, timedelta

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from worklogs import services
from worklogs.models import Segment

PERIOD_END = date(2026, 10, 31)


def work(worklog, day: str, start: str, minutes: int) -> Segment:
    started = datetime.fromisoformat(f"{day}T{start}:00").replace(tzinfo=UTC)
    segment, _ = services.segment_record(
        worklog=worklog, started_at=started, ended_at=started + timedelta(minutes=minutes)
    )
    return segment


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def changelist_action(client, model: str, action: str, pks, **data):
    url = reverse(f"admin:{model}_changelist")
    return client.post(url, {"action": action, "_selected_action": [str(pk) for pk in pks], **data})


def events(obj, object_type: str) -> list[tuple]:
    """(actor, action, changes) of an object's events, oldest first."""
    found = AuditEvent.objects.filter(object_type=object_type, object_id=str(obj.pk)).order_by("pk")
    return [(e.actor_username or None, e.action, e.changes) for e in found]
