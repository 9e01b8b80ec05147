"""API.md's rounding: the exact total of a worklog is rounded once, half up; item cents follow it.

Through the HTTP API only, exact to the cent. Dates are fixed in the past (2024, UTC) and every run names
its `periodEnd`, so the scenarios do not depend on today's date.
"""

from decimal import Decimal
from fractions import Fraction

import pytest

from tests.support.api_helpers import (
    D,
    adjust,
    adjustment,
    assert_conserved,
    exact_cents,
    generate,
    get_segment,
    get_worklog,
    new_worklog,
    record,
    remittance_of,
    remove,
    segment_exact,
    set_rate,
    ts,
)

pytestmark = pytest.mark.django_db

OCT = "2024-10-31"


def test_three_twenty_minute_segments_at_ten_make_ten_not_nine_ninety_nine(api):
    wl = new_worklog(api, rate="10.00")
    segs = [record(api, wl["id"], ts("2024-10-01", hhmm), 20) for hhmm in ("09:00", "09:20", "09:40")]
    assert [s["amount"] for s in segs] == ["3.33", "3.34", "3.33"]
    assert get_worklog(api, wl["id"])["amount"] == "10.00"
    run = generate(api, OCT)
    assert remittance_of(run, wl["workerId"])["amount"] == "10.00"


def test_ten_minutes_at_45_39_rounds_half_up_to_7_57(api):
    wl = new_worklog(api, rate="45.39")
    seg = record(api, wl["id"], ts("2024-10-01"), 10)
    assert seg["amount"] == "7.57"
    assert seg["hourlyRate"] == "45.39"
    assert get_worklog(api, wl["id"])["amount"] == "7.57"


def test_negative_tie_rounds_toward_plus_infinity(api):
    # -10.00 + 7.565 = -2.435 -> floor(-243.5 + 0.5) / 100 = -2.43 (half away from zero would be -2.44).
    wl = new_worklog(api, rate="45.39")
    adjustment(api, wl["id"], "-10.00")
    seg = record(api, wl["id"], ts("2024-10-01"), 10)
    assert seg["amount"] == "7.57"
    assert get_worklog(api, wl["id"])["amount"] == "-2.43"


def test_removal_cents_may_differ_by_one_so_worklog_stays_its_exact_total_rounded(api):
    wl = new_worklog(api, rate="10.00")
    first = record(api, wl["id"], ts("2024-10-01", "09:00"), 20)
    second = record(api, wl["id"], ts("2024-10-01", "09:20"), 20)
    assert (first["amount"], second["amount"]) == ("3.33", "3.34")
    remove(api, first["id"])
    # exact total 3.3333 -> 3.33: the reversal of a 3.33 earning is -3.34 here.
    assert get_worklog(api, wl["id"])["amount"] == "3.33"
    assert get_segment(api, first["id"])["amount"] == "3.33"  # the earning keeps its history
    assert_conserved(api, wl["workerId"])


def test_adjustment_cents_equal_face_amount_even_on_a_fractional_total(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-01"), 20)  # exact 3.3333..., shown 3.33
    for amount, expected in (("0.01", "3.34"), ("-0.02", "3.32"), ("1.99", "5.31")):
        adj = adjustment(api, wl["id"], amount)
        assert adj["amount"] == amount
        assert get_worklog(api, wl["id"])["amount"] == expected


def test_worklog_amount_is_exact_total_rounded_after_a_mixed_sequence(api):
    wl = new_worklog(api, rate="17.77")
    exact = []
    a = record(api, wl["id"], ts("2024-10-01", "08:00"), 7)
    exact.append(segment_exact(7, "17.77"))
    b = record(api, wl["id"], ts("2024-10-01", "08:07"), 13)
    exact.append(segment_exact(13, "17.77"))
    adjustment(api, wl["id"], "-0.05")
    exact.append(Fraction(-5, 100))
    remove(api, a["id"])
    exact.append(-segment_exact(7, "17.77"))
    set_rate(api, wl["id"], "33.33")
    c = record(api, wl["id"], ts("2024-10-02", "08:00"), 11)
    exact.append(segment_exact(11, "33.33"))
    adjust(api, b["id"], ts("2024-10-01", "08:07"), 19)  # keeps 17.77
    exact.append(-segment_exact(13, "17.77"))
    exact.append(segment_exact(19, "17.77"))
    cents = exact_cents(exact)
    assert [D(a["amount"]), D(b["amount"]), D(c["amount"])] == [cents[0], cents[1], cents[4]]
    assert D(get_worklog(api, wl["id"])["amount"]) == sum(cents)
    assert D(get_worklog(api, wl["id"])["amount"]) == sum(cents, Decimal(0))  # sum of item cents
    assert_conserved(api, wl["workerId"])
