"""Rates, currencies and balances: a rate applies to later segments, totals per currency, the balance's three parts.

Through the HTTP API only, exact to the cent. Dates are fixed in the past (2024, UTC) and every run names
its `periodEnd`, so the scenarios do not depend on today's date.
"""

import pytest

from tests.support.api_helpers import (
    adjust,
    adjustment,
    amounts,
    assert_conserved,
    balance,
    create_task,
    create_worker,
    create_worklog,
    generate,
    get_segment,
    get_worklog,
    new_worklog,
    pay,
    record,
    remittance_of,
    set_rate,
    ts,
)

pytestmark = pytest.mark.django_db

OCT = "2024-10-31"


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
