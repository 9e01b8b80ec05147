"""Disputes: a disputed segment is counted but held, until it is resolved (accepted or removed).

Through the HTTP API only, exact to the cent. Dates are fixed in the past (2024, UTC) and every run names
its `periodEnd`, so the scenarios do not depend on today's date.
"""

import pytest

from tests.support.api_helpers import (
    amounts,
    assert_conserved,
    balance,
    dispute,
    fail,
    generate,
    get_remittance,
    get_worklog,
    new_worklog,
    pay,
    record,
    remittance_of,
    resolve,
    settle,
    ts,
)

pytestmark = pytest.mark.django_db

OCT = "2024-10-31"
NOV = "2024-11-30"
DEC = "2024-12-31"


def test_disputed_segment_is_held_but_still_counted(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03", "08:00"), 60)
    held = record(api, wl["id"], ts("2024-10-03", "10:00"), 60)
    dispute(api, held["id"])
    rem = remittance_of(generate(api, OCT), wl["workerId"])
    assert rem["amount"] == "10.00"
    pay(api, rem["id"])
    assert amounts(api, wl["id"]) == ("20.00", "10.00", "10.00", "UNREMITTED")
    b = assert_conserved(api, wl["workerId"])
    assert b["unremitted"] == "10.00"


def test_dispute_resolved_accept_is_paid_in_the_next_run(api):
    wl = new_worklog(api, rate="10.00")
    held = record(api, wl["id"], ts("2024-10-03"), 60)
    dispute(api, held["id"])
    assert generate(api, OCT)["remittanceCount"] == 0
    assert resolve(api, held["id"], "ACCEPT")["status"] == "ACTIVE"
    rem = remittance_of(generate(api, NOV), wl["workerId"])
    assert rem["amount"] == "10.00"
    pay(api, rem["id"])
    assert amounts(api, wl["id"]) == ("10.00", "10.00", "0.00", "REMITTED")


def test_dispute_resolved_remove_on_unpaid_work_pays_nothing_for_it(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03", "08:00"), 60)
    held = record(api, wl["id"], ts("2024-10-03", "10:00"), 60)
    dispute(api, held["id"])
    assert resolve(api, held["id"], "REMOVE")["status"] == "REMOVED"
    assert get_worklog(api, wl["id"])["amount"] == "10.00"
    rem = remittance_of(generate(api, OCT), wl["workerId"])
    assert rem["amount"] == "10.00"
    pay(api, rem["id"])
    assert get_worklog(api, wl["id"])["remittanceStatus"] == "REMITTED"


def test_dispute_resolved_remove_on_paid_work_is_a_clawback(api):
    wl = new_worklog(api, rate="10.00")
    seg = record(api, wl["id"], ts("2024-10-03"), 60)
    settle(api, wl["workerId"], OCT)
    dispute(api, seg["id"])
    assert amounts(api, wl["id"]) == ("10.00", "10.00", "0.00", "REMITTED")  # no money changes
    resolve(api, seg["id"], "REMOVE")
    record(api, wl["id"], ts("2024-11-03"), 180)
    assert remittance_of(generate(api, NOV), wl["workerId"])["amount"] == "20.00"
    assert_conserved(api, wl["workerId"])


def test_disputing_a_segment_in_a_pending_remittance_changes_no_money_and_does_not_stop_it(api):
    wl = new_worklog(api, rate="10.00")
    seg = record(api, wl["id"], ts("2024-10-03"), 60)
    rem = remittance_of(generate(api, OCT), wl["workerId"])
    before = (amounts(api, wl["id"]), balance(api, wl["workerId"]))
    dispute(api, seg["id"])
    assert (amounts(api, wl["id"]), balance(api, wl["workerId"])) == before
    assert get_remittance(api, rem["id"])["amount"] == "10.00"
    pay(api, rem["id"])
    assert amounts(api, wl["id"]) == ("10.00", "10.00", "0.00", "REMITTED")
    # Resolving ACCEPT afterwards pays nothing twice.
    resolve(api, seg["id"], "ACCEPT")
    assert remittance_of(generate(api, NOV), wl["workerId"]) is None


def test_disputed_while_pending_then_failure_is_held_until_resolved(api):
    wl = new_worklog(api, rate="10.00")
    seg = record(api, wl["id"], ts("2024-10-03"), 60)
    oct_rem = remittance_of(generate(api, OCT), wl["workerId"])
    dispute(api, seg["id"])
    fail(api, oct_rem["id"])
    assert remittance_of(generate(api, NOV), wl["workerId"]) is None  # unpaid again, and disputed: held
    resolve(api, seg["id"], "ACCEPT")
    assert remittance_of(generate(api, DEC), wl["workerId"])["amount"] == "10.00"
