"""Four-eyes approval of a settlement run through the API (issue 15): the creator may not approve it,
a run is decided once, nothing is submitted or exported before approval, rejecting releases the items."""

from decimal import Decimal

import pytest

from audit.models import AuditEvent
from settlements.models import PayoutSubmission, Remittance
from tests.support.api_helpers import (
    assert_conserved,
    balance,
    generate,
    owed_run,
    pay,
    remittance_of,
)
from tests.support.factories import FinanceUserFactory

pytestmark = pytest.mark.django_db

OCT, NOV = "2024-10-31", "2024-11-30"


@pytest.fixture
def second(make_client):
    """Another finance user's client: the second pair of eyes."""
    user = FinanceUserFactory()
    client = make_client(user)
    client.user = user
    return client


def _owed_run(api, minutes=(60, 30)) -> tuple[dict, dict]:
    """(run, worklog): one worker owed 10.00/h x minutes in October (15.00 by default), settled by `api`'s user."""
    return owed_run(api, minutes)


def approve(client, run_id: int):
    return client.post(f"/api/settlement-runs/{run_id}/approve/", format="json")


def reject(client, run_id: int, body: dict | None = None):
    return client.post(f"/api/settlement-runs/{run_id}/reject/", body if body is not None else {}, format="json")


def test_a_new_run_awaits_approval_and_shows_who_created_it(api):
    run, _ = _owed_run(api)
    assert (run["approvalRequired"], run["approvalState"], run["createdBy"]) == (True, "pending", api.user.username)
    assert (run["approvedBy"], run["approvedAt"], run["rejectedBy"], run["rejectedAt"]) == (None, None, None, None)
    assert {r["status"] for r in run["remittances"]} == {"PENDING"}


def test_the_creator_may_not_approve_their_own_run(api):
    run, _ = _owed_run(api)
    response = approve(api, run["id"])
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "approver_is_creator"
    assert api.get(f"/api/settlement-runs/{run['id']}/").json()["approvalState"] == "pending"
    assert not AuditEvent.objects.filter(action="settlement_run.approved").exists()


def test_another_finance_user_approves_once_and_a_second_approval_is_409(api, second, make_client):
    run, _ = _owed_run(api)
    response = approve(second, run["id"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["approvalState"], body["approvedBy"]) == ("approved", second.user.username)
    assert body["approvedAt"] is not None
    third = make_client(FinanceUserFactory())
    again = approve(third, run["id"])
    assert (again.status_code, again.json()["code"]) == (409, "run_already_approved")
    assert approve(second, run["id"]).status_code == 409
    assert api.get(f"/api/settlement-runs/{run['id']}/").json()["approvedBy"] == second.user.username


def test_approval_is_recorded_with_its_actor(api, second):
    run, _ = _owed_run(api)
    approve(second, run["id"])
    event = AuditEvent.objects.get(action="settlement_run.approved", object_id=str(run["id"]))
    assert event.actor == second.user
    assert event.changes["approved_by"] == [None, second.user.username]


def test_an_unknown_run_is_404_and_a_non_finance_user_403(api, second, make_client, plain_user):
    assert approve(second, 999999).status_code == 404
    run, _ = _owed_run(api)
    assert approve(make_client(plain_user), run["id"]).status_code == 403
    assert reject(make_client(plain_user), run["id"], {"reason": "no"}).status_code == 403


def test_reject_cancels_the_pending_remittances_and_the_next_run_pays_them_to_the_cent(api):
    run, worklog = _owed_run(api, minutes=(20, 20, 20))  # 3.33 + 3.34 + 3.33 = 10.00
    worker_id = worklog["workerId"]
    assert remittance_of(run, worker_id)["amount"] == "10.00"
    response = reject(api, run["id"], {"reason": "hours not signed off"})  # the creator may reject
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["approvalState"], body["rejectedBy"], body["rejectionReason"]) == (
        "rejected",
        api.user.username,
        "hours not signed off",
    )
    assert {r["status"] for r in body["remittances"]} == {"CANCELLED"}
    assert balance(api, worker_id) == {
        "workerId": worker_id,
        "currency": "USD",
        "unremitted": "10.00",
        "pending": "0.00",
        "remitted": "0.00",
    }
    event = AuditEvent.objects.get(action="settlement_run.rejected", object_id=str(run["id"]))
    assert (event.actor, event.changes["rejection_reason"]) == (api.user, [None, "hours not signed off"])

    again = remittance_of(generate(api, OCT), worker_id)
    assert again["amount"] == "10.00"
    pay(api, again["id"])  # finance's manual transitions stay allowed on an unapproved run
    assert balance(api, worker_id)["remitted"] == "10.00"
    assert_conserved(api, worker_id)


def test_reject_checks_the_state_before_the_body(api, second):
    run, _ = _owed_run(api)
    assert reject(api, run["id"], {"reason": ""}).status_code == 400
    assert reject(api, run["id"], {}).status_code == 400
    approve(second, run["id"])
    response = reject(api, run["id"], {})
    assert (response.status_code, response.json()["code"]) == (409, "run_already_approved")
    assert set(Remittance.objects.values_list("status", flat=True)) == {"PENDING"}


def test_a_rejected_run_cannot_be_approved(api, second):
    run, _ = _owed_run(api)
    reject(api, run["id"], {"reason": "wrong period"})
    response = approve(second, run["id"])
    assert (response.status_code, response.json()["code"]) == (409, "run_already_rejected")
    assert reject(second, run["id"], {"reason": "again"}).status_code == 409


def test_with_approval_off_a_run_needs_none(api, second, settings):
    settings.SETTLEMENT_APPROVAL_REQUIRED = False
    run, _ = _owed_run(api)
    assert (run["approvalRequired"], run["approvalState"]) == (False, "not_required")
    response = approve(second, run["id"])
    assert (response.status_code, response.json()["code"]) == (409, "approval_not_required")
    assert api.get(f"/api/settlement-runs/{run['id']}/remittances.csv").status_code == 200


def test_the_bank_csv_of_an_unapproved_run_is_409_and_allowed_once_approved(api, second):
    run, _ = _owed_run(api)
    url = f"/api/settlement-runs/{run['id']}/remittances.csv"
    response = api.get(url, HTTP_ACCEPT="application/json")
    assert (response.status_code, response.json()["code"]) == (409, "run_not_approved")
    approve(second, run["id"])
    response = api.get(url)
    assert response.status_code == 200
    assert "TOTAL" in b"".join(response.streaming_content).decode()


def test_the_runs_list_filters_by_approval(api, second):
    pending, _ = _owed_run(api)
    approved, _ = _owed_run(api)  # another worker: a second run for the same period pays only them
    approve(second, approved["id"])
    rejected, _ = _owed_run(api)
    reject(api, rejected["id"], {"reason": "no"})

    def ids(state: str) -> list[int]:
        response = api.get("/api/settlement-runs/", {"approval": state})
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    assert ids("pending") == [pending["id"]]
    assert ids("approved") == [approved["id"]]
    assert ids("rejected") == [rejected["id"]]
    assert ids("not_required") == []
    assert api.get("/api/settlement-runs/", {"approval": "maybe"}).status_code == 400
    listed = api.get("/api/settlement-runs/").json()["results"]
    assert [r["approvalState"] for r in listed] == ["pending", "approved", "rejected"]


def test_approval_off_submits_at_once_and_approval_on_submits_when_approved(
    api, second, simulated, settings, django_capture_on_commit_callbacks
):
    settings.SETTLEMENT_APPROVAL_REQUIRED = False
    with django_capture_on_commit_callbacks(execute=True):
        off, worklog = _owed_run(api)
    assert remittance_of(api.get(f"/api/settlement-runs/{off['id']}/").json(), worklog["workerId"])["status"] in {
        "PROCESSING",
        "PAID",
    }
    assert PayoutSubmission.objects.count() == 1

    settings.SETTLEMENT_APPROVAL_REQUIRED = True
    on, worklog = _owed_run(api)
    assert remittance_of(on, worklog["workerId"])["status"] == "PENDING"
    assert PayoutSubmission.objects.filter(remittance__run_id=on["id"]).count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        body = approve(second, on["id"]).json()
    body = api.get(f"/api/settlement-runs/{on['id']}/").json()
    # The immediate task backend: submitted right after the approval's commit.
    assert remittance_of(body, worklog["workerId"])["status"] in {"PROCESSING", "PAID"}
    (submission,) = PayoutSubmission.objects.filter(remittance__run_id=on["id"])
    assert (submission.status, submission.remittance.amount) == ("SUBMITTED", Decimal("15.00"))


def test_the_schema_documents_approve_reject_and_mark_returned_with_their_403_and_409(anon_client):
    schema = anon_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    approve_op = schema["paths"]["/api/settlement-runs/{id}/approve/"]["post"]
    assert {"200", "403", "404", "409"} <= set(approve_op["responses"])
    assert "other than the" in approve_op["description"]
    reject_op = schema["paths"]["/api/settlement-runs/{id}/reject/"]["post"]
    assert {"200", "400", "404", "409"} <= set(reject_op["responses"])
    returned_op = schema["paths"]["/api/remittances/{id}/mark-returned/"]["post"]
    assert {"200", "400", "404", "409"} <= set(returned_op["responses"])
    assert "Allowed from PAID only." in returned_op["description"]
    runs_list = schema["paths"]["/api/settlement-runs/"]["get"]
    assert "approval" in {p["name"] for p in runs_list["parameters"]}
    csv_op = schema["paths"]["/api/settlement-runs/{id}/remittances.csv"]["get"]
    assert "run_not_approved" in csv_op["responses"]["409"]["description"]
