"""RETURNED (issue 15): a PAID remittance whose transfer came back. Its items are released like FAILED
and paid by the next run, `remitted` goes down, its worklogs are UNREMITTED again, the ledger moves
CASH back to PAYABLE, and RETURNED is final."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from ledger.models import AccountKind, Posting
from settlements.models import Remittance, RemittanceEvent
from settlements.services import remittance_mark_returned
from tests.support.api_helpers import (
    assert_conserved,
    balance,
    generate,
    get_worklog,
    new_worklog,
    pay,
    record,
    remittance_action,
    remittance_of,
    ts,
)

pytestmark = pytest.mark.django_db

OCT, NOV = "2024-10-31", "2024-11-30"


def _paid(api) -> tuple[dict, dict, dict]:
    """(remittance, worklog a, worklog b): one worker paid 10.00 (3.33 + 3.34 + 3.33) and 7.57 in October."""
    a = new_worklog(api, rate="10.00")
    b = new_worklog(api, rate="45.39", worker_id=a["workerId"])
    for day in (3, 4, 5):
        record(api, a["id"], ts(f"2024-10-{day:02d}"), 20)
    record(api, b["id"], ts("2024-10-06"), 10)
    remittance = remittance_of(generate(api, OCT), a["workerId"])
    assert remittance["amount"] == "17.57"
    return pay(api, remittance["id"]), a, b


def _ledger(worker_id: int, kind: str) -> Decimal:
    rows = Posting.objects.filter(account__party=worker_id, account__kind=kind).values_list("amount", flat=True)
    return sum(rows, Decimal("0.00"))


def returned(api, remittance_id: int, reason: str = "R01 insufficient funds at the payee bank"):
    return remittance_action(api, remittance_id, "mark-returned", {"reason": reason})


def test_a_return_after_paid_releases_the_items_and_the_next_run_pays_them_again(api):
    paid, a, b = _paid(api)
    worker_id = a["workerId"]
    assert (get_worklog(api, a["id"])["remittanceStatus"], get_worklog(api, b["id"])["remittanceStatus"]) == (
        "REMITTED",
        "REMITTED",
    )
    assert balance(api, worker_id)["remitted"] == "17.57"
    assert (_ledger(worker_id, AccountKind.CASH), _ledger(worker_id, AccountKind.PAYABLE)) == (
        Decimal("-17.57"),
        Decimal("0.00"),
    )

    response = returned(api, paid["id"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["statusReason"]) == ("RETURNED", "R01 insufficient funds at the payee bank")
    assert balance(api, worker_id) == {
        "workerId": worker_id,
        "currency": "USD",
        "unremitted": "17.57",
        "pending": "0.00",
        "remitted": "0.00",
    }
    for worklog, amount in ((a, "10.00"), (b, "7.57")):
        shown = get_worklog(api, worklog["id"])
        assert (shown["remittanceStatus"], shown["remittedAmount"], shown["unremittedAmount"]) == (
            "UNREMITTED",
            "0.00",
            amount,
        )
    # The ledger: CASH -> PAYABLE by the remittance's amount, in one entry.
    assert (_ledger(worker_id, AccountKind.CASH), _ledger(worker_id, AccountKind.PAYABLE)) == (
        Decimal("0.00"),
        Decimal("-17.57"),
    )
    assert Posting.objects.filter(entry__cause="REMITTANCE_RETURNED").count() == 2
    assert_conserved(api, worker_id)

    # The same period again (the returned remittance is no longer live): paid again, to the cent.
    again = remittance_of(generate(api, OCT), worker_id)
    assert (again["amount"], sorted((w["worklogId"], w["amount"]) for w in again["worklogs"])) == (
        "17.57",
        sorted([(a["id"], "10.00"), (b["id"], "7.57")]),
    )
    pay(api, again["id"])
    assert balance(api, worker_id)["remitted"] == "17.57"
    assert get_worklog(api, a["id"])["remittanceStatus"] == "REMITTED"
    assert_conserved(api, worker_id)


def test_later_work_and_the_returned_items_are_paid_together_by_the_next_period(api):
    paid, a, _ = _paid(api)
    returned(api, paid["id"])
    record(api, a["id"], ts("2024-11-04"), 30)  # 5.00 in November
    again = remittance_of(generate(api, NOV), a["workerId"])
    assert again["amount"] == "22.57"
    assert_conserved(api, a["workerId"])


@pytest.mark.parametrize("action", ["mark-paid", "mark-failed", "cancel", "mark-returned"])
def test_returned_is_final(api, action):
    paid, _, _ = _paid(api)
    returned(api, paid["id"])
    response = remittance_action(api, paid["id"], action, {"reason": "again", "providerReference": "x"})
    assert (response.status_code, response.json()["code"]) == (409, "illegal_transition")
    assert Remittance.objects.get(pk=paid["id"]).status == "RETURNED"


@pytest.mark.parametrize("make_state", ["PENDING", "FAILED", "CANCELLED"])
def test_only_a_paid_remittance_can_be_returned_checked_before_the_body(api, make_state):
    worklog = new_worklog(api)
    record(api, worklog["id"], ts("2024-10-03"), 60)
    remittance = remittance_of(generate(api, OCT), worklog["workerId"])
    if make_state != "PENDING":
        action = {"FAILED": "mark-failed", "CANCELLED": "cancel"}[make_state]
        remittance_action(api, remittance["id"], action, {"reason": "x"})
    response = remittance_action(api, remittance["id"], "mark-returned", {})  # no reason: still 409 first
    assert (response.status_code, response.json()["code"]) == (409, "illegal_transition")
    assert Remittance.objects.get(pk=remittance["id"]).status == make_state


def test_a_return_needs_a_reason_and_a_finance_user(api, make_client, plain_user):
    paid, _, _ = _paid(api)
    assert returned(api, paid["id"], reason=" ").status_code == 400
    assert remittance_action(make_client(plain_user), paid["id"], "mark-returned", {"reason": "x"}).status_code == 403
    assert Remittance.objects.get(pk=paid["id"]).status == "PAID"


def test_the_return_is_in_the_history_and_the_audit_trail_with_its_actor(api):
    paid, _, _ = _paid(api)
    returned(api, paid["id"], reason="AC04 account closed")
    event = RemittanceEvent.objects.filter(remittance_id=paid["id"]).latest("pk")
    assert (event.from_status, event.to_status, event.reason, event.actor) == (
        "PAID",
        "RETURNED",
        "AC04 account closed",
        api.user,
    )
    audit = AuditEvent.objects.get(action="remittance.marked_returned", object_id=str(paid["id"]))
    assert audit.actor == api.user
    assert audit.changes == {
        "status": ["PAID", "RETURNED"],
        "status_reason": ["", "AC04 account closed"],
        "source": [None, "api"],
    }


def test_the_service_takes_a_source_and_when_it_happened_for_bank_reports_and_provider_events(api):
    paid, _, _ = _paid(api)
    occurred = datetime(2024, 11, 12, 8, 30, tzinfo=UTC)
    remittance = remittance_mark_returned(
        remittance=Remittance.objects.get(pk=paid["id"]),
        reason="pain.002 RJCT AC04",
        source="pain.002",
        occurred_at=occurred,
    )
    assert remittance.status == "RETURNED"
    audit = AuditEvent.objects.get(action="remittance.marked_returned")
    assert audit.actor is None  # the system
    assert (audit.changes["source"], audit.changes["occurred_at"]) == (
        [None, "pain.002"],
        [None, "2024-11-12T08:30:00Z"],
    )
