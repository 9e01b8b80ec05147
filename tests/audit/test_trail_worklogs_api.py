"""Who did what through the API, for workers, worklogs, segments and adjustments: each change is an event
with its actor and its old and new values as the API writes them, read back at `GET /api/audit-events/`."""

import io
import json

import pytest
from django.core.management import call_command

from tests.audit.trail import actions_recorded, last, trail
from tests.support.api_helpers import (
    adjust,
    adjustment,
    create_task,
    create_worker,
    create_worklog,
    dispute,
    new_worklog,
    plus_minutes,
    post_segment,
    record,
    remove,
    resolve,
    segment_action,
    set_rate,
    ts,
)
from tests.support.factories import UserFactory, WorkerFactory
from tests.worklogs.timetracker import raw_record

pytestmark = pytest.mark.django_db


def test_creating_a_worker_records_who_created_it_and_its_fields(api):
    worker = create_worker(api, name="Ada Lovelace", currency="EUR")
    assert trail(api, "worker", worker["id"]) == [
        (
            api.user.username,
            "worker.created",
            {"name": [None, "Ada Lovelace"], "email": [None, worker["email"]], "currency": [None, "EUR"]},
        )
    ]


def test_creating_a_worklog_and_changing_its_rate_record_old_and_new_rates(api):
    worker, task = create_worker(api), create_task(api)
    worklog = create_worklog(api, worker_id=worker["id"], task_id=task["id"], rate="40.00")
    set_rate(api, worklog["id"], "45.50")
    set_rate(api, worklog["id"], "45.50")  # the same rate: nothing changed, nothing recorded
    assert trail(api, "worklog", worklog["id"]) == [
        (
            api.user.username,
            "worklog.created",
            {
                "workerId": [None, worker["id"]],
                "taskId": [None, task["id"]],
                "hourlyRate": [None, "40.00"],
                "currency": [None, "USD"],
            },
        ),
        (api.user.username, "worklog.rate_changed", {"hourlyRate": ["40.00", "45.50"]}),
    ]


def test_a_worker_recording_their_own_time_is_the_actor(api, make_client):
    login = UserFactory(username="ada")
    worker = WorkerFactory(user=login)
    worklog = create_worklog(api, worker_id=worker.pk, task_id=create_task(api)["id"], rate="10.00")
    response = post_segment(make_client(login), worklog["id"], ts("2024-10-01"), plus_minutes(ts("2024-10-01"), 20))
    assert response.status_code == 201, response.content
    segment = response.json()
    assert trail(api, "segment", segment["id"]) == [
        (
            "ada",
            "segment.recorded",
            {
                "worklogId": [None, worklog["id"]],
                "startedAt": [None, "2024-10-01T09:00:00Z"],
                "endedAt": [None, "2024-10-01T09:20:00Z"],
                "hourlyRate": [None, "10.00"],
                "note": [None, ""],
                "amount": [None, "3.33"],
            },
        )
    ]


def test_a_replayed_segment_records_nothing_more(api):
    worklog = new_worklog(api)
    first = record(api, worklog["id"], ts("2024-10-01"), 30, externalId="tt-1")
    again = post_segment(api, worklog["id"], ts("2024-10-01"), plus_minutes(ts("2024-10-01"), 30), externalId="tt-1")
    assert again.status_code == 200
    assert [action for _, action, _ in trail(api, "segment", first["id"])] == ["segment.recorded"]


def test_a_dispute_and_its_resolution_record_who_and_what(api):
    segment = record(api, new_worklog(api)["id"], ts("2024-10-01"), 60)
    dispute(api, segment["id"], reason="client contests these hours")
    resolve(api, segment["id"], "REMOVE", effective_date="2024-11-30")
    user = api.user.username
    assert trail(api, "segment", segment["id"])[1:] == [
        (
            user,
            "segment.disputed",
            {"status": ["ACTIVE", "DISPUTED"], "disputeReason": ["", "client contests these hours"]},
        ),
        (
            user,
            "segment.resolved",
            {
                "status": ["DISPUTED", "REMOVED"],
                "statusReason": ["", "Dispute resolved: removed. client contests these hours"],
                "effectiveDate": [None, "2024-11-30"],
            },
        ),
    ]


def test_accepting_a_dispute_records_the_segment_active_again(api):
    segment = record(api, new_worklog(api)["id"], ts("2024-10-01"), 60)
    dispute(api, segment["id"])
    resolve(api, segment["id"], "ACCEPT")
    assert last(api, "segment", segment["id"]) == (
        api.user.username,
        "segment.resolved",
        {"status": ["DISPUTED", "ACTIVE"]},
    )


def test_a_removal_records_its_reason_and_effective_date(api):
    segment = record(api, new_worklog(api)["id"], ts("2024-10-01"), 60)
    remove(api, segment["id"], reason="logged by mistake")
    assert last(api, "segment", segment["id"]) == (
        api.user.username,
        "segment.removed",
        {"status": ["ACTIVE", "REMOVED"], "statusReason": ["", "logged by mistake"]},
    )


def test_a_correction_records_the_old_and_new_times_and_the_replacement(api):
    worklog = new_worklog(api, rate="60.00")
    original = record(api, worklog["id"], ts("2024-10-01", "09:00"), 60)
    replacement = adjust(api, original["id"], ts("2024-10-01", "09:00"), 45, reason="left early", effective_date=None)
    assert last(api, "segment", original["id"]) == (
        api.user.username,
        "segment.corrected",
        {
            "status": ["ACTIVE", "SUPERSEDED"],
            "statusReason": ["", "left early"],
            "endedAt": ["2024-10-01T10:00:00Z", "2024-10-01T09:45:00Z"],
            "replacedById": [None, replacement["id"]],
        },
    )
    (actor, action, changes) = last(api, "segment", replacement["id"])
    assert (actor, action, changes["replacesId"], changes["amount"]) == (
        api.user.username,
        "segment.recorded",
        [None, original["id"]],
        [None, "45.00"],
    )


def test_a_refused_action_records_nothing(api):
    segment = record(api, new_worklog(api)["id"], ts("2024-10-01"), 60)
    before = actions_recorded()
    assert segment_action(api, segment["id"], "resolve", {"resolution": "ACCEPT"}).status_code == 409
    assert segment_action(api, segment["id"], "dispute", {"reason": ""}).status_code == 400
    assert actions_recorded() == before


def test_an_adjustment_records_who_made_it_and_its_amount(api):
    worklog = new_worklog(api)
    made = adjustment(api, worklog["id"], "-30.00", effective_date="2024-10-31")
    assert trail(api, "adjustment", made["id"]) == [
        (
            api.user.username,
            "adjustment.recorded",
            {
                "worklogId": [None, worklog["id"]],
                "amount": [None, "-30.00"],
                "reason": [None, "retroactive correction"],
                "effectiveDate": [None, "2024-10-31"],
            },
        )
    ]


def test_an_import_through_the_api_is_recorded_as_the_importing_users(api):
    response = api.post("/api/imports/", data=json.dumps([raw_record(1)]), content_type="application/json")
    assert response.status_code == 200, response.content
    worker = api.get("/api/workers/", {"externalId": "U1"}).json()["results"][0]
    actor, action, changes = trail(api, "worker", worker["id"])[0]
    assert (actor, action, changes["externalId"]) == (api.user.username, "worker.created", [None, "U1"])
    events = api.get("/api/audit-events/", {"pageSize": 500}).json()["results"]
    imported = {(e["objectType"], e["actor"]) for e in events if e["objectType"] != "user"}  # not the test's login
    assert imported == {(kind, api.user.username) for kind in ("worker", "worklog", "segment")}


def test_an_import_from_the_command_line_is_recorded_as_the_systems(api, tmp_path):
    export = tmp_path / "export.json"
    export.write_text(json.dumps([raw_record(1)]))
    call_command("import_worklogs", str(export), stdout=io.StringIO())
    worker = api.get("/api/workers/", {"externalId": "U1"}).json()["results"][0]
    assert [(actor, action) for actor, action, _ in trail(api, "worker", worker["id"])] == [(None, "worker.created")]
