"""Remittances through the HTTP API: representation, filters and the state machine."""

import pytest

from ledger.models import JournalEntry
from settlements.models import Claim, Remittance
from tests.support.api_helpers import (
    balance,
    cancel,
    fail,
    generate,
    get_remittance,
    new_worklog,
    pay,
    record,
    remittance_action,
    remittance_of,
    ts,
)

pytestmark = pytest.mark.django_db

OCT = "2024-10-31"


def _snapshot(remittance_id):
    return (
        Remittance.objects.get(pk=remittance_id).status,
        JournalEntry.objects.count(),
        Claim.objects.count(),
    )


def test_remittance_representation(api, pending):
    body = get_remittance(api, pending["id"])
    wl = pending["_worklog"]
    assert {"id", "runId", "workerId", "periodEnd", "amount", "currency", "status", "createdAt", "worklogs"} <= (
        body.keys()
    )
    assert (body["runId"], body["workerId"], body["periodEnd"]) == (pending["_run"]["id"], wl["workerId"], OCT)
    assert (body["amount"], body["currency"], body["status"]) == ("10.00", "USD", "PENDING")
    assert body["worklogs"] == [{"worklogId": wl["id"], "amount": "10.00"}]


def test_generate_answers_the_run_with_its_remittances(api, pending):
    run = pending["_run"]
    assert {"id", "periodEnd", "createdAt", "remittanceCount", "totals", "remittances"} <= run.keys()
    assert run["remittanceCount"] == len(run["remittances"]) == 1
    assert run["totals"] == {"USD": "10.00"}
    assert run["remittances"][0]["id"] == pending["id"]


@pytest.mark.parametrize(
    ("action", "body", "final"),
    [
        ("mark-paid", {"providerReference": "ref-1"}, "PAID"),
        ("mark-paid", {}, "PAID"),
        ("mark-failed", {"reason": "account closed"}, "FAILED"),
        ("cancel", {"reason": "duplicate"}, "CANCELLED"),
    ],
)
def test_pending_moves_to_each_final_status(api, pending, action, body, final):
    response = remittance_action(api, pending["id"], action, body)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == final
    assert response.json()["amount"] == "10.00"
    assert get_remittance(api, pending["id"])["status"] == final


FINALS = {"PAID": pay, "FAILED": fail, "CANCELLED": cancel}
ACTIONS = [
    ("mark-paid", {}),
    ("mark-failed", {"reason": "r"}),
    ("cancel", {"reason": "r"}),
]


@pytest.mark.parametrize("final", FINALS)
@pytest.mark.parametrize(("action", "body"), ACTIONS, ids=[a for a, _ in ACTIONS])
def test_any_transition_out_of_a_final_status_is_409_and_writes_nothing(api, pending, final, action, body):
    FINALS[final](api, pending["id"])
    money_before = balance(api, pending["workerId"])
    before = _snapshot(pending["id"])
    response = remittance_action(api, pending["id"], action, body)
    assert response.status_code == 409, response.content
    assert _snapshot(pending["id"]) == before
    assert balance(api, pending["workerId"]) == money_before


@pytest.mark.parametrize("action", ["mark-failed", "cancel"])
def test_failing_or_cancelling_needs_a_reason(api, pending, action):
    before = _snapshot(pending["id"])
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        assert remittance_action(api, pending["id"], action, body).status_code == 400
    assert _snapshot(pending["id"]) == before


@pytest.mark.parametrize("action", ["mark-failed", "cancel"])
def test_state_conflict_is_409_even_without_a_reason(api, pending, action):
    fail(api, pending["id"])
    assert remittance_action(api, pending["id"], action, {}).status_code == 409


def test_paid_remittance_moves_pending_to_remitted_in_the_balance(api, pending):
    assert (balance(api, pending["workerId"])["pending"], balance(api, pending["workerId"])["remitted"]) == (
        "10.00",
        "0.00",
    )
    pay(api, pending["id"])
    b = balance(api, pending["workerId"])
    assert (b["unremitted"], b["pending"], b["remitted"]) == ("0.00", "0.00", "10.00")


@pytest.mark.parametrize("release", [fail, cancel], ids=["failed", "cancelled"])
def test_released_remittance_returns_its_amount_to_unremitted(api, pending, release):
    release(api, pending["id"])
    b = balance(api, pending["workerId"])
    assert (b["unremitted"], b["pending"], b["remitted"]) == ("10.00", "0.00", "0.00")


def test_list_filters_by_worker_status_and_period(api, pending):
    other = new_worklog(api, rate="20.00")
    record(api, other["id"], ts("2024-09-03"), 60)
    sept = remittance_of(generate(api, "2024-09-30"), other["workerId"])
    pay(api, sept["id"])

    def ids(**params):
        response = api.get("/api/remittances/", params)
        assert response.status_code == 200
        return [r["id"] for r in response.json()["results"]]

    assert ids() == sorted([pending["id"], sept["id"]])
    assert ids(workerId=pending["workerId"]) == [pending["id"]]
    assert ids(status="PAID") == [sept["id"]]
    assert ids(status="PENDING") == [pending["id"]]
    assert ids(periodEnd="2024-09-30") == [sept["id"]]
    assert ids(workerId=pending["workerId"], status="PAID") == []


def test_unknown_remittance_is_404(api):
    assert api.get("/api/remittances/987654/").status_code == 404
    assert remittance_action(api, 987654, "mark-paid").status_code == 404


def test_runs_list_shows_each_runs_count_and_totals_per_currency_without_embedding_remittances(api):
    usd = new_worklog(api, rate="45.39")
    eur = new_worklog(api, rate="10.00", currency="EUR")
    record(api, usd["id"], ts("2024-10-03"), 10)  # 7.57
    record(api, eur["id"], ts("2024-10-03"), 20)  # 3.33
    october = generate(api, OCT)
    record(api, usd["id"], ts("2024-11-04"), 60)  # 45.39
    november = generate(api, "2024-11-30")
    empty = generate(api, "2024-11-30")  # everyone already has November's payout

    body = api.get("/api/settlement-runs/").json()

    rows = {row["id"]: row for row in body["results"]}
    assert [row["id"] for row in body["results"]] == [october["id"], november["id"], empty["id"]]
    assert (rows[october["id"]]["remittanceCount"], rows[october["id"]]["totals"]) == (
        2,
        {"EUR": "3.33", "USD": "7.57"},
    )
    assert (rows[november["id"]]["remittanceCount"], rows[november["id"]]["totals"]) == (1, {"USD": "45.39"})
    assert (rows[empty["id"]]["remittanceCount"], rows[empty["id"]]["totals"]) == (0, {})
    assert all("remittances" not in row for row in body["results"])
    detail = api.get(f"/api/settlement-runs/{october['id']}/").json()
    assert detail["totals"] == {"EUR": "3.33", "USD": "7.57"} and len(detail["remittances"]) == 2
