"""The audit trail: events as the API writes values, finance-only reads, filters, append-only."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from audit.models import AuditEvent
from audit.services import audit_changes, audit_record
from tests.factories import UserFactory, WorkerFactory

EVENTS = "/api/audit-events/"


def test_changes_keep_only_what_differs_written_as_the_api_writes_it():
    before = {"hourly_rate": Decimal("40"), "name": "Ann", "effective": date(2026, 10, 1), "gone": 1}
    after = {"hourly_rate": Decimal("45.50"), "name": "Ann", "effective": None, "new": True}
    assert audit_changes(before, after) == {
        "hourly_rate": ["40.00", "45.50"],
        "effective": ["2026-10-01", None],
        "gone": [1, None],
        "new": [None, True],
    }


@pytest.mark.django_db
def test_an_event_keeps_the_actors_name_and_the_system_acts_as_null():
    user = UserFactory(username="fin")
    by_user = audit_record(actor=user, action="worker.updated", object_type="worker", object_id=7, changes={})
    by_system = audit_record(actor=None, action="run.completed", object_type="settlement_run", object_id=3, changes={})
    assert (by_user.actor_id, by_user.actor_username, by_user.object_id) == (user.pk, "fin", "7")
    assert (by_system.actor_id, by_system.actor_username) == (None, "")


@pytest.mark.django_db
def test_finance_reads_events_filtered_by_object_and_actor(api, make_client):
    other = UserFactory(username="other")
    audit_record(
        actor=api.user, action="worklog.rate_changed", object_type="worklog", object_id=5,
        changes={"hourly_rate": ["40.00", "45.00"]},
    )  # fmt: skip
    audit_record(actor=other, action="worker.updated", object_type="worker", object_id=5, changes={})
    audit_record(actor=None, action="worker.updated", object_type="worker", object_id=6, changes={})

    body = api.get(EVENTS, {"objectType": "worklog", "objectId": "5"}).json()
    assert [e["action"] for e in body["results"]] == ["worklog.rate_changed"]
    event = body["results"][0]
    assert set(event) == {"id", "at", "actor", "action", "objectType", "objectId", "changes"}
    # Field names as the API spells them: camelCase on the wire.
    assert (event["actor"], event["objectId"], event["changes"]) == (
        api.user.username,
        "5",
        {"hourlyRate": ["40.00", "45.00"]},
    )
    by_other = api.get(EVENTS, {"actor": "other"}).json()["results"]
    assert [(e["objectType"], e["objectId"]) for e in by_other] == [("worker", "5")]
    system = api.get(EVENTS, {"objectId": "6"}).json()["results"]
    assert system[0]["actor"] is None


@pytest.mark.django_db
def test_only_finance_reads_the_trail(make_client, anon_client):
    worker_user = UserFactory()
    WorkerFactory(user=worker_user)
    assert anon_client.get(EVENTS).status_code == 401
    assert make_client(worker_user).get(EVENTS).status_code == 403
    assert make_client(UserFactory()).get(EVENTS).status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_refuses_to_edit_or_delete_an_event():
    event = audit_record(actor=None, action="x", object_type="worker", object_id=1, changes={})
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="y")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "x"
