"""Who did what through the API, for runs, remittances and users' tokens; and the trail endpoint's
filters and pages."""

import io

import pytest
from django.core.management import call_command

from audit.models import Action, ObjectType
from audit.services import audit_record
from tests.audit.trail import EVENTS, trail
from tests.support.api_helpers import (
    cancel,
    fail,
    generate,
    new_worklog,
    owed_run,
    pay,
    record,
    remittance_of,
    ts,
)
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

OCT = "2024-10-31"


def _pending(api) -> tuple[dict, dict]:
    """(run, remittance): a PENDING remittance of 10.00 for October."""
    run, worklog = owed_run(api, (60,))
    return run, remittance_of(run, worklog["workerId"])


def test_a_run_started_over_the_api_records_who_started_it(api):
    run, _ = _pending(api)
    assert trail(api, "settlement_run", run["id"]) == [
        (
            api.user.username,
            "settlement_run.created",
            {"periodEnd": [None, OCT], "status": [None, "QUEUED"], "approvalRequired": [None, True]},
        )
    ]


def test_a_run_started_by_the_command_is_the_systems(api):
    record(api, new_worklog(api)["id"], ts("2024-10-03"), 60)
    call_command("run_settlement", "--period-end", OCT, stdout=io.StringIO(), stderr=io.StringIO())
    run_id = api.get("/api/settlement-runs/").json()["results"][0]["id"]
    assert [(actor, action) for actor, action, _ in trail(api, "settlement_run", run_id)] == [
        (None, "settlement_run.created")
    ]


def test_marking_paid_records_the_actor_the_status_and_the_reference(api):
    _, remittance = _pending(api)
    pay(api, remittance["id"])
    assert trail(api, "remittance", remittance["id"]) == [
        (
            api.user.username,
            "remittance.marked_paid",
            {"status": ["PENDING", "PAID"], "providerReference": ["", "bank-ref"]},
        )
    ]


def test_marking_failed_and_cancelling_record_the_reason(api, make_client):
    _, failed = _pending(api)
    fail(api, failed["id"], reason="account closed")
    other_finance = make_client(UserFactory(username="second", is_superuser=True))
    worklog = new_worklog(api, rate="10.00")
    record(api, worklog["id"], ts("2024-11-03"), 60)
    cancelled = remittance_of(generate(other_finance, "2024-11-30"), worklog["workerId"])
    cancel(other_finance, cancelled["id"], reason="wrong bank details")
    assert trail(api, "remittance", failed["id"]) == [
        (
            api.user.username,
            "remittance.marked_failed",
            {"status": ["PENDING", "FAILED"], "statusReason": ["", "account closed"]},
        )
    ]
    assert trail(api, "remittance", cancelled["id"]) == [
        (
            "second",
            "remittance.cancelled",
            {"status": ["PENDING", "CANCELLED"], "statusReason": ["", "wrong bank details"]},
        )
    ]


def test_a_refused_transition_records_nothing(api):
    _, remittance = _pending(api)
    pay(api, remittance["id"])
    response = api.post(f"/api/remittances/{remittance['id']}/cancel/", {"reason": "too late"}, format="json")
    assert response.status_code == 409
    assert [action for _, action, _ in trail(api, "remittance", remittance["id"])] == ["remittance.marked_paid"]


def test_finance_revoking_a_users_tokens_is_recorded(api, make_client):
    clerk = UserFactory(username="clerk")
    make_client(clerk)
    make_client(clerk)
    response = api.post(f"/api/users/{clerk.pk}/revoke-tokens/")
    assert response.json() == {"userId": clerk.pk, "revoked": 2}
    assert trail(api, "user", clerk.pk) == [(api.user.username, "user.tokens_revoked", {"tokens": [2, 0]})]


# --- The endpoint: filters and pages -----------------------------------------------------------------


def test_the_trail_is_filtered_by_action_and_actor(api):
    _, remittance = _pending(api)
    pay(api, remittance["id"])
    paid = api.get(EVENTS, {"action": "remittance.marked_paid"}).json()["results"]
    assert [(e["objectType"], e["objectId"]) for e in paid] == [("remittance", str(remittance["id"]))]
    mine = api.get(EVENTS, {"actor": api.user.username, "pageSize": 500}).json()["results"]
    assert {e["action"] for e in mine} == {
        "worker.created",
        "worklog.created",
        "segment.recorded",
        "settlement_run.created",
        "remittance.marked_paid",
    }
    assert api.get(EVENTS, {"actor": "nobody"}).json()["results"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"objectType": "bank_account"},
        {"action": "worker.deleted"},
        {"objectType": ""},
        {"objectId": "x" * 65},
        {"actor": "a\x00b"},
    ],
)
def test_an_unknown_object_type_or_action_or_a_malformed_filter_is_a_400_naming_it(api, query):
    response = api.get(EVENTS, query)
    assert response.status_code == 400, response.content
    assert list(response.json()) == list(query)


def test_the_trail_is_paginated_oldest_first(api):
    for n in range(5):
        audit_record(
            actor=api.user, action=Action.WORKER_UPDATED, object_type=ObjectType.WORKER, object_id=7,
            changes={"name": [f"v{n}", f"v{n + 1}"]},
        )  # fmt: skip
    query = {"objectType": "worker", "objectId": "7", "pageSize": 2}
    first = api.get(EVENTS, query).json()
    assert [e["changes"]["name"] for e in first["results"]] == [["v0", "v1"], ["v1", "v2"]]
    second = api.get(first["next"]).json()
    assert [e["changes"]["name"] for e in second["results"]] == [["v2", "v3"], ["v3", "v4"]]
    third = api.get(second["next"]).json()
    assert [e["changes"]["name"] for e in third["results"]] == [["v4", "v5"]]
    assert third["next"] is None
    one = api.get(f"{EVENTS}{first['results'][0]['id']}/").json()
    assert one == first["results"][0]
