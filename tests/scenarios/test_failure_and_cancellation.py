"""Failed, cancelled and in-flight remittances: released items are paid by the next run, never twice.

Through the HTTP API only, exact to the cent. Dates are fixed in the past (2024, UTC) and every run names
its `periodEnd`, so the scenarios do not depend on today's date.
"""

import pytest

from settlements.models import Remittance
from settlements.services import remittance_mark_processing
from tests.support.api_helpers import (
    amounts,
    assert_conserved,
    cancel,
    fail,
    generate,
    get_remittance,
    get_worklog,
    new_worklog,
    pay,
    record,
    remittance_of,
    remove,
    ts,
)

pytestmark = pytest.mark.django_db

OCT = "2024-10-31"
NOV = "2024-11-30"
DEC = "2024-12-31"


@pytest.mark.parametrize("release", [fail, cancel], ids=["failed", "cancelled"])
def test_released_remittance_items_are_paid_in_the_next_run_and_history_stays(api, release):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03"), 60)
    first = remittance_of(generate(api, OCT), wl["workerId"])
    release(api, first["id"])
    assert assert_conserved(api, wl["workerId"])["unremitted"] == "10.00"
    second = remittance_of(generate(api, NOV), wl["workerId"])
    assert second["amount"] == "10.00"
    pay(api, second["id"])
    history = get_remittance(api, first["id"])
    assert history["status"] in ("FAILED", "CANCELLED")
    assert history["amount"] == "10.00"
    assert history["worklogs"] == [{"worklogId": wl["id"], "amount": "10.00"}]
    assert amounts(api, wl["id"]) == ("10.00", "10.00", "0.00", "REMITTED")


@pytest.mark.parametrize("release", [fail, cancel], ids=["failed", "cancelled"])
def test_generate_again_for_same_period_pays_only_workers_whose_remittance_was_released(api, release):
    a = new_worklog(api, rate="10.00")
    b = new_worklog(api, rate="20.00")
    record(api, a["id"], ts("2024-10-03"), 60)
    record(api, b["id"], ts("2024-10-03"), 60)
    run = generate(api, OCT)
    ra, rb = remittance_of(run, a["workerId"]), remittance_of(run, b["workerId"])
    pay(api, ra["id"])
    release(api, rb["id"])
    again = generate(api, OCT)
    assert again["remittanceCount"] == 1
    assert remittance_of(again, a["workerId"]) is None
    assert remittance_of(again, b["workerId"])["amount"] == "20.00"
    third = generate(api, OCT)
    assert third["remittanceCount"] == 0


def test_generate_again_for_same_period_skips_a_worker_with_a_pending_remittance(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03", "08:00"), 60)
    generate(api, OCT)
    record(api, wl["id"], ts("2024-10-10"), 60)  # more October work while the payout is pending
    assert remittance_of(generate(api, OCT), wl["workerId"]) is None
    b = assert_conserved(api, wl["workerId"])
    assert (b["pending"], b["unremitted"]) == ("10.00", "10.00")


def test_removal_while_pending_then_failure_never_pays_twice(api):
    wl = new_worklog(api, rate="10.00")
    seg = record(api, wl["id"], ts("2024-10-03"), 60)
    oct_rem = remittance_of(generate(api, OCT), wl["workerId"])
    remove(api, seg["id"])  # its earning is in a PENDING remittance: the reversal is a clawback
    record(api, wl["id"], ts("2024-11-03"), 120)
    nov_rem = remittance_of(generate(api, NOV), wl["workerId"])
    assert nov_rem["amount"] == "10.00"  # 20 - 10
    pay(api, nov_rem["id"])
    fail(api, oct_rem["id"])  # the October earning is released
    dec_rem = remittance_of(generate(api, DEC), wl["workerId"])
    assert dec_rem["amount"] == "10.00"
    pay(api, dec_rem["id"])
    b = assert_conserved(api, wl["workerId"])
    assert (b["remitted"], b["unremitted"], get_worklog(api, wl["id"])["amount"]) == ("20.00", "0.00", "20.00")


def test_processing_remittance_counts_as_pending_and_cannot_be_cancelled(api):
    # No HTTP endpoint moves a remittance to PROCESSING (a payout provider does): set up via the service.
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03"), 60)
    rem = remittance_of(generate(api, OCT), wl["workerId"])
    remittance_mark_processing(remittance=Remittance.objects.get(pk=rem["id"]))
    b = assert_conserved(api, wl["workerId"])
    assert (b["pending"], b["unremitted"]) == ("10.00", "0.00")
    assert api.post(f"/api/remittances/{rem['id']}/cancel/", {"reason": "too late"}, format="json").status_code == 409
    assert remittance_of(generate(api, OCT), wl["workerId"]) is None
    record(api, wl["id"], ts("2024-11-03"), 60)
    assert remittance_of(generate(api, NOV), wl["workerId"])["amount"] == "10.00"  # not the PROCESSING items
    assert pay(api, rem["id"])["status"] == "PAID"
