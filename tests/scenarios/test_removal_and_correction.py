"""Removing and correcting (adjusting) segments: clawbacks, net increases, reversal before replacement.

Through the HTTP API only, exact to the cent. Dates are fixed in the past (2024, UTC) and every run names
its `periodEnd`, so the scenarios do not depend on today's date.
"""

import pytest

from tests.support.api_helpers import (
    adjust,
    assert_conserved,
    generate,
    get_segment,
    get_worklog,
    new_worklog,
    pay,
    record,
    remittance_of,
    remove,
    settle,
    ts,
)

pytestmark = pytest.mark.django_db

OCT = "2024-10-31"
NOV = "2024-11-30"


def test_removing_a_paid_segment_claws_back_from_the_next_payout(api):
    wl = new_worklog(api, rate="10.00")
    seg = record(api, wl["id"], ts("2024-10-03"), 60)
    settle(api, wl["workerId"], OCT)
    remove(api, seg["id"])
    assert get_worklog(api, wl["id"])["amount"] == "0.00"
    record(api, wl["id"], ts("2024-11-03"), 90)
    assert remittance_of(generate(api, NOV), wl["workerId"])["amount"] == "5.00"
    b = assert_conserved(api, wl["workerId"])
    assert (b["remitted"], b["pending"], b["unremitted"]) == ("10.00", "5.00", "0.00")


def test_removing_an_unpaid_segment_settles_earning_and_reversal_together(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03", "08:00"), 60)
    gone = record(api, wl["id"], ts("2024-10-03", "10:00"), 60)
    remove(api, gone["id"])
    rem = remittance_of(generate(api, OCT), wl["workerId"])
    assert rem["amount"] == "10.00"
    pay(api, rem["id"])
    # Every item (earning, reversal) went into that payout: nothing is left over.
    w = get_worklog(api, wl["id"])
    assert (w["amount"], w["remittedAmount"], w["unremittedAmount"], w["remittanceStatus"]) == (
        "10.00",
        "10.00",
        "0.00",
        "REMITTED",
    )


def test_unpaid_earning_and_reversal_net_their_cents_in_one_payout(api):
    # Earning 3.33 and reversal -3.34 (cents differ by one) settle together with the 3.34 segment.
    wl = new_worklog(api, rate="10.00")
    first = record(api, wl["id"], ts("2024-10-01", "09:00"), 20)
    record(api, wl["id"], ts("2024-10-01", "09:20"), 20)
    remove(api, first["id"])
    rem = remittance_of(generate(api, OCT), wl["workerId"])
    assert rem["amount"] == "3.33" == get_worklog(api, wl["id"])["amount"]
    pay(api, rem["id"])
    assert get_worklog(api, wl["id"])["remittanceStatus"] == "REMITTED"


def test_adjusting_a_paid_segment_pays_only_the_net_increase(api):
    wl = new_worklog(api, rate="10.00")
    seg = record(api, wl["id"], ts("2024-10-03"), 60)
    settle(api, wl["workerId"], OCT)
    replacement = adjust(api, seg["id"], ts("2024-10-03"), 90)
    assert replacement["amount"] == "15.00"
    assert get_segment(api, seg["id"])["status"] == "SUPERSEDED"
    assert remittance_of(generate(api, NOV), wl["workerId"])["amount"] == "5.00"
    assert_conserved(api, wl["workerId"])


def test_adjusting_a_paid_segment_shorter_recovers_the_difference(api):
    wl = new_worklog(api, rate="10.00")
    seg = record(api, wl["id"], ts("2024-10-03"), 60)
    settle(api, wl["workerId"], OCT)
    adjust(api, seg["id"], ts("2024-10-03"), 30)
    record(api, wl["id"], ts("2024-11-03"), 120)
    assert remittance_of(generate(api, NOV), wl["workerId"])["amount"] == "15.00"  # 20 - 5
    assert_conserved(api, wl["workerId"])


def test_adjusting_an_unpaid_segment_pays_only_the_replacement(api):
    wl = new_worklog(api, rate="10.00")
    seg = record(api, wl["id"], ts("2024-10-03"), 60)
    adjust(api, seg["id"], ts("2024-10-03"), 45)
    assert remittance_of(generate(api, OCT), wl["workerId"])["amount"] == "7.50"


def test_adjust_creates_reversal_before_replacement_earning(api):
    # A 3.33 + B 3.34; adjusting B to 40 min: reversal first gives the replacement 6.67 (6.66 otherwise).
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-01", "09:00"), 20)
    b = record(api, wl["id"], ts("2024-10-01", "09:20"), 20)
    replacement = adjust(api, b["id"], ts("2024-10-01", "09:20"), 40)
    assert replacement["amount"] == "6.67"
    assert get_worklog(api, wl["id"])["amount"] == "10.00"
