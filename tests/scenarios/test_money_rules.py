"""Acceptance tests of API.md's money rules, through the HTTP API only, exact to the cent.

Dates are fixed in the past (October/November 2024, UTC) and every run names its `periodEnd`, so
the scenarios do not depend on today's date (except the default-periodEnd test, which computes it).
"""

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import timezone

from tests.support.api_helpers import (
    D,
    adjust,
    adjustment,
    assert_conserved,
    balance,
    cancel,
    create_task,
    create_worker,
    create_worklog,
    dispute,
    exact_cents,
    fail,
    generate,
    get_remittance,
    get_segment,
    get_worklog,
    new_worklog,
    pay,
    record,
    remittance_of,
    remove,
    resolve,
    segment_exact,
    set_rate,
    settle,
    ts,
)

pytestmark = pytest.mark.django_db

OCT = "2024-10-31"
NOV = "2024-11-30"
DEC = "2024-12-31"


def amounts(api, worklog_id):
    w = get_worklog(api, worklog_id)
    return w["amount"], w["remittedAmount"], w["unremittedAmount"], w["remittanceStatus"]


# --- Rounding ---------------------------------------------------------------------------------


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


# --- Late segments, deductions, carry forward ---------------------------------------------------


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


# --- Removal and correction ---------------------------------------------------------------------


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


# --- Disputes ------------------------------------------------------------------------------------


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


# --- Failure and cancellation -------------------------------------------------------------------


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


# --- Periods and effective dates ----------------------------------------------------------------


def test_sub_period_then_full_period_runs(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-05"), 60)
    record(api, wl["id"], ts("2024-10-20"), 120)
    mid = remittance_of(generate(api, "2024-10-15"), wl["workerId"])
    assert (mid["amount"], mid["periodEnd"]) == ("10.00", "2024-10-15")
    end = remittance_of(generate(api, OCT), wl["workerId"])
    assert (end["amount"], end["periodEnd"]) == ("20.00", OCT)
    b = assert_conserved(api, wl["workerId"])
    assert (b["pending"], b["unremitted"]) == ("30.00", "0.00")


def test_work_date_is_the_utc_date_of_started_at(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-31", "23:30"), 60)  # ends on 1 November
    assert remittance_of(generate(api, OCT), wl["workerId"])["amount"] == "10.00"


def test_undated_correction_is_absorbed_by_the_next_run_whatever_its_period(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-05"), 60)
    adjustment(api, wl["id"], "5.00")
    # A run for an earlier period (before any work) still absorbs the undated bonus.
    early = remittance_of(generate(api, "2024-09-30"), wl["workerId"])
    assert early["amount"] == "5.00"
    assert remittance_of(generate(api, OCT), wl["workerId"])["amount"] == "10.00"


def test_dated_correction_waits_for_a_run_whose_period_end_reaches_it(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-05"), 60)
    adjustment(api, wl["id"], "-3.00", effective_date="2024-11-15")
    assert remittance_of(generate(api, OCT), wl["workerId"])["amount"] == "10.00"
    record(api, wl["id"], ts("2024-11-05"), 60)
    assert remittance_of(generate(api, "2024-11-14"), wl["workerId"])["amount"] == "10.00"
    record(api, wl["id"], ts("2024-11-16"), 60)
    # periodEnd == effectiveDate counts (>=).
    assert remittance_of(generate(api, "2024-11-16"), wl["workerId"])["amount"] == "7.00"


def test_dated_removal_of_unpaid_work_holds_the_earning_with_its_reversal(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03", "08:00"), 60)
    gone = record(api, wl["id"], ts("2024-10-03", "10:00"), 60)
    remove(api, gone["id"], effective_date="2024-11-10")
    # Not paid in October then clawed back: the earning and its reversal settle together later.
    assert remittance_of(generate(api, OCT), wl["workerId"])["amount"] == "10.00"
    record(api, wl["id"], ts("2024-11-12"), 60)
    rem = remittance_of(generate(api, NOV), wl["workerId"])
    assert rem["amount"] == "10.00"
    assert sorted(x["amount"] for x in rem["worklogs"]) == ["10.00"]


def test_reversal_is_never_due_before_its_earning(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03"), 60)
    november = record(api, wl["id"], ts("2024-11-05"), 60)
    remove(api, november["id"])  # undated, and also with an effectiveDate before the work date:
    other = new_worklog(api, rate="10.00")
    record(api, other["id"], ts("2024-10-03"), 60)
    nov_other = record(api, other["id"], ts("2024-11-05"), 60)
    remove(api, nov_other["id"], effective_date="2024-10-01")
    run = generate(api, OCT)
    assert remittance_of(run, wl["workerId"])["amount"] == "10.00"
    assert remittance_of(run, other["workerId"])["amount"] == "10.00"
    assert_conserved(api, wl["workerId"])


def test_default_period_end_is_last_day_of_previous_month(api):
    wl = new_worklog(api, rate="10.00")
    today = timezone.localdate()
    last_of_previous = today.replace(day=1) - timedelta(days=1)
    record(api, wl["id"], ts(last_of_previous.isoformat(), "08:00"), 60)
    run = generate(api)
    assert run["periodEnd"] == last_of_previous.isoformat()
    assert remittance_of(run, wl["workerId"])["periodEnd"] == last_of_previous.isoformat()


def test_run_that_creates_nothing_answers_201_with_zero_count(api):
    create_worker(api)
    run = generate(api, OCT)
    assert run["remittanceCount"] == 0
    assert run["remittances"] == []
    assert run["periodEnd"] == OCT


# --- Rates ---------------------------------------------------------------------------------------


def test_rate_change_applies_only_to_segments_recorded_afterwards(api):
    wl = new_worklog(api, rate="10.00")
    old = record(api, wl["id"], ts("2024-10-03", "08:00"), 60)
    patched = set_rate(api, wl["id"], "20.00")
    assert (patched["hourlyRate"], patched["amount"]) == ("20.00", "10.00")
    new = record(api, wl["id"], ts("2024-10-03", "10:00"), 60)
    assert (get_segment(api, old["id"])["amount"], get_segment(api, old["id"])["hourlyRate"]) == ("10.00", "10.00")
    assert (new["amount"], new["hourlyRate"]) == ("20.00", "20.00")
    assert get_worklog(api, wl["id"])["amount"] == "30.00"


def test_adjust_keeps_the_original_segment_rate(api):
    wl = new_worklog(api, rate="10.00")
    seg = record(api, wl["id"], ts("2024-10-03"), 60)
    set_rate(api, wl["id"], "50.00")
    replacement = adjust(api, seg["id"], ts("2024-10-03"), 120)
    assert (replacement["hourlyRate"], replacement["amount"]) == ("10.00", "20.00")
    assert get_worklog(api, wl["id"])["amount"] == "20.00"


# --- Currencies and totals -----------------------------------------------------------------------


def test_run_totals_per_currency(api):
    usd1 = new_worklog(api, rate="10.00")
    usd2 = new_worklog(api, rate="12.50", currency="USD")
    eur = new_worklog(api, rate="40.00", currency="EUR")
    record(api, usd1["id"], ts("2024-10-03"), 60)
    record(api, usd2["id"], ts("2024-10-03"), 60)
    record(api, eur["id"], ts("2024-10-03"), 30)
    run = generate(api, OCT)
    assert run["remittanceCount"] == 3
    assert run["totals"] == {"USD": "22.50", "EUR": "20.00"}
    assert remittance_of(run, eur["workerId"])["currency"] == "EUR"
    assert get_worklog(api, eur["id"])["currency"] == "EUR"
    assert balance(api, eur["workerId"])["currency"] == "EUR"


def test_worker_with_several_worklogs_gets_one_remittance_listing_each_worklog(api):
    worker = create_worker(api, currency="GBP")
    wl1 = create_worklog(api, worker_id=worker["id"], task_id=create_task(api)["id"], rate="10.00")
    wl2 = create_worklog(api, worker_id=worker["id"], task_id=create_task(api)["id"], rate="20.00")
    record(api, wl1["id"], ts("2024-10-03", "08:00"), 60)
    record(api, wl2["id"], ts("2024-10-03", "10:00"), 60)
    rem = remittance_of(generate(api, OCT), worker["id"])
    assert (rem["amount"], rem["currency"]) == ("30.00", "GBP")
    assert rem["worklogs"] == [{"worklogId": wl1["id"], "amount": "10.00"}, {"worklogId": wl2["id"], "amount": "20.00"}]


# --- Balance and worklog status after each step -------------------------------------------------


def test_balance_and_worklog_status_through_a_payout_lifecycle(api):
    wl = new_worklog(api, rate="10.00")
    wid = wl["workerId"]
    assert amounts(api, wl["id"]) == ("0.00", "0.00", "0.00", "UNREMITTED")  # no item: not REMITTED
    record(api, wl["id"], ts("2024-10-03"), 60)
    b = assert_conserved(api, wid)
    assert (b["unremitted"], b["pending"], b["remitted"]) == ("10.00", "0.00", "0.00")
    rem = remittance_of(generate(api, OCT), wid)
    b = assert_conserved(api, wid)
    assert (b["unremitted"], b["pending"], b["remitted"]) == ("0.00", "10.00", "0.00")
    assert amounts(api, wl["id"]) == ("10.00", "0.00", "10.00", "UNREMITTED")  # pending is unremitted
    pay(api, rem["id"])
    b = assert_conserved(api, wid)
    assert (b["unremitted"], b["pending"], b["remitted"]) == ("0.00", "0.00", "10.00")
    assert amounts(api, wl["id"]) == ("10.00", "10.00", "0.00", "REMITTED")
    adjustment(api, wl["id"], "2.50")
    assert amounts(api, wl["id"]) == ("12.50", "10.00", "2.50", "UNREMITTED")
    b = assert_conserved(api, wid)
    assert b["unremitted"] == "2.50"


# --- More interleavings ---------------------------------------------------------------------------


def test_dated_clawback_waits_for_its_effective_date(api):
    wl = new_worklog(api, rate="10.00")
    seg = record(api, wl["id"], ts("2024-10-03"), 60)
    settle(api, wl["workerId"], OCT)
    remove(api, seg["id"], effective_date="2024-12-15")
    record(api, wl["id"], ts("2024-11-03"), 120)
    assert remittance_of(generate(api, NOV), wl["workerId"])["amount"] == "20.00"
    record(api, wl["id"], ts("2024-12-03"), 180)
    assert remittance_of(generate(api, DEC), wl["workerId"])["amount"] == "20.00"  # 30 - 10
    assert_conserved(api, wl["workerId"])


def test_dated_adjust_of_paid_segment_pays_replacement_by_its_work_date_and_claws_back_later(api):
    # API.md: the reversal waits for effectiveDate, the replacement's earning is due by its own work date.
    wl = new_worklog(api, rate="10.00")
    seg = record(api, wl["id"], ts("2024-10-03"), 60)
    settle(api, wl["workerId"], OCT)
    adjust(api, seg["id"], ts("2024-10-03"), 90, effective_date="2024-12-15")
    assert remittance_of(generate(api, NOV), wl["workerId"])["amount"] == "15.00"
    record(api, wl["id"], ts("2024-12-03"), 120)
    assert remittance_of(generate(api, DEC), wl["workerId"])["amount"] == "10.00"  # 20 - 10
    assert_conserved(api, wl["workerId"])


def test_dated_adjust_of_unpaid_segment_pays_only_the_replacement_now(api):
    wl = new_worklog(api, rate="10.00")
    seg = record(api, wl["id"], ts("2024-10-03"), 60)
    adjust(api, seg["id"], ts("2024-10-03"), 30, effective_date="2024-12-15")
    assert remittance_of(generate(api, OCT), wl["workerId"])["amount"] == "5.00"
    # The original earning and its reversal settle together later, netting to zero: nothing to pay.
    assert remittance_of(generate(api, DEC), wl["workerId"]) is None
    assert assert_conserved(api, wl["workerId"])["unremitted"] == "0.00"


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


def test_disputed_while_pending_then_failure_is_held_until_resolved(api):
    wl = new_worklog(api, rate="10.00")
    seg = record(api, wl["id"], ts("2024-10-03"), 60)
    oct_rem = remittance_of(generate(api, OCT), wl["workerId"])
    dispute(api, seg["id"])
    fail(api, oct_rem["id"])
    assert remittance_of(generate(api, NOV), wl["workerId"]) is None  # unpaid again, and disputed: held
    resolve(api, seg["id"], "ACCEPT")
    assert remittance_of(generate(api, DEC), wl["workerId"])["amount"] == "10.00"


def test_explicit_null_period_end_means_the_default(api):
    today = timezone.localdate()
    assert (
        generate_with_body(api, {"periodEnd": None})["periodEnd"]
        == (today.replace(day=1) - timedelta(days=1)).isoformat()
    )


def generate_with_body(api, body):
    response = api.post("/generate-remittances-for-all-users", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_work_date_uses_utc_whatever_the_offset_given(api):
    # 1 November 01:00 at +02:00 is 31 October 23:00 UTC: October work.
    wl = new_worklog(api, rate="10.00")
    response = api.post(
        f"/api/worklogs/{wl['id']}/segments/",
        {"startedAt": "2024-11-01T01:00:00+02:00", "endedAt": "2024-11-01T02:00:00+02:00"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert remittance_of(generate(api, OCT), wl["workerId"])["amount"] == "10.00"


def test_processing_remittance_counts_as_pending_and_cannot_be_cancelled(api):
    # No HTTP endpoint moves a remittance to PROCESSING (a payout provider does): set up via the service.
    from settlements.models import Remittance
    from settlements.services import remittance_mark_processing

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
