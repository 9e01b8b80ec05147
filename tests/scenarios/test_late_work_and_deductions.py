"""Late segments, deductions and carry forward: what the next run pays when work or money arrives late.

Through the HTTP API only, exact to the cent. Dates are fixed in the past (2024, UTC) and every run names
its `periodEnd`, so the scenarios do not depend on today's date.
"""

import pytest

from tests.support.api_helpers import (
    adjustment,
    assert_conserved,
    generate,
    new_worklog,
    record,
    remittance_of,
    settle,
    ts,
)

pytestmark = pytest.mark.django_db

OCT = "2024-10-31"
NOV = "2024-11-30"
DEC = "2024-12-31"


def test_late_segment_after_month_was_paid_is_paid_in_the_next_run(api):
    wl = new_worklog(api, rate="30.00")
    record(api, wl["id"], ts("2024-10-03"), 60)
    assert settle(api, wl["workerId"], OCT)["amount"] == "30.00"
    record(api, wl["id"], ts("2024-10-20"), 30)  # late October work, recorded after payment
    # The same period again creates nothing: the worker already has a PAID October remittance.
    again = generate(api, OCT)
    assert remittance_of(again, wl["workerId"]) is None
    nov = remittance_of(generate(api, NOV), wl["workerId"])
    assert nov["amount"] == "15.00"
    assert_conserved(api, wl["workerId"])


def test_deduction_on_paid_work_is_taken_from_the_next_payout(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03"), 60)
    settle(api, wl["workerId"], OCT)
    adjustment(api, wl["id"], "-4.00")
    record(api, wl["id"], ts("2024-11-03"), 60)
    assert remittance_of(generate(api, NOV), wl["workerId"])["amount"] == "6.00"
    assert_conserved(api, wl["workerId"])


def test_deduction_on_unpaid_work_reduces_the_same_payout(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03"), 60)
    adjustment(api, wl["id"], "-4.00")
    assert remittance_of(generate(api, OCT), wl["workerId"])["amount"] == "6.00"


def test_deduction_larger_than_earnings_issues_nothing_and_carries_forward(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03"), 60)
    adjustment(api, wl["id"], "-25.00")
    run = generate(api, OCT)
    assert remittance_of(run, wl["workerId"]) is None
    b = assert_conserved(api, wl["workerId"])
    assert (b["unremitted"], b["pending"], b["remitted"]) == ("-15.00", "0.00", "0.00")
    record(api, wl["id"], ts("2024-11-03"), 60)
    assert remittance_of(generate(api, NOV), wl["workerId"]) is None  # -5.00: still nothing
    record(api, wl["id"], ts("2024-12-03"), 120)
    assert remittance_of(generate(api, DEC), wl["workerId"])["amount"] == "15.00"
    b = assert_conserved(api, wl["workerId"])
    assert (b["unremitted"], b["pending"]) == ("0.00", "15.00")


def test_total_exactly_zero_issues_nothing(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03"), 60)
    adjustment(api, wl["id"], "-10.00")
    run = generate(api, OCT)
    assert run["remittanceCount"] == 0
    assert remittance_of(run, wl["workerId"]) is None
