"""Periods and effective dates: which items a run for a given period end pays, and the default period end.

Through the HTTP API only, exact to the cent. Dates are fixed in the past (2024, UTC) and every run names
its `periodEnd`, so the scenarios do not depend on today's date (except the default-periodEnd tests, which
compute it).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support.api_helpers import (
    adjust,
    adjustment,
    assert_conserved,
    create_worker,
    generate,
    new_worklog,
    record,
    remittance_of,
    remove,
    settle,
    ts,
)

pytestmark = pytest.mark.django_db

OCT = "2024-10-31"
NOV = "2024-11-30"
DEC = "2024-12-31"


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


def test_default_period_end_is_last_day_of_previous_month(api):
    wl = new_worklog(api, rate="10.00")
    today = timezone.localdate()
    last_of_previous = today.replace(day=1) - timedelta(days=1)
    record(api, wl["id"], ts(last_of_previous.isoformat(), "08:00"), 60)
    run = generate(api)
    assert run["periodEnd"] == last_of_previous.isoformat()
    assert remittance_of(run, wl["workerId"])["periodEnd"] == last_of_previous.isoformat()


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


def test_run_that_creates_nothing_answers_201_with_zero_count(api):
    create_worker(api)
    run = generate(api, OCT)
    assert run["remittanceCount"] == 0
    assert run["remittances"] == []
    assert run["periodEnd"] == OCT
