"""`worklogs_import`: a realistic time-tracker export with every trap of issue 6, then Oct/Nov/Dec runs.

Expected money, from API.md's rounding rule (exact totals rounded once per worklog, half up):
- Ada (USD), WL-1001 at 45.39/h: seg-1 10 min = 7.565 -> 7.57; seg-2 20 min -> total 22.695 -> 22.70,
  so 15.13; seg-3 (disputed, held) 45.39; seg-4 (cancelled) 45.39 and its reversal -45.39; seg-5
  45.39 (it overlaps only the cancelled seg-4, which does not block); seg-11 (Nov) 2 h = 90.78;
  seg-12 (Dec) 10 min -> total 211.82, so 7.56; adj-1 -20.50 (Nov); adj-4 +100.00 (Dec).
  WL-1004 at 60/h: cr-1 (Nov) 30 min = 30.00.
  Oct run 68.09, Nov run 90.78 - 20.50 + 30.00 = 100.28, Dec run 7.56 + 100.00 = 107.56; the
  disputed 45.39 stays unremitted.
- Grace (EUR), WL-2002 at "10.00": three 20-minute segments 3.33 + 3.34 + 3.33 = 10.00 (Oct);
  adj-5 -15.00 (Nov) leaves a negative total, so no Nov payout; adj-6 +25.50 (Dec): 10.50.
"""

import json
from datetime import date
from decimal import Decimal

import pytest

from settlements import services as settlement_services
from settlements.models import Remittance
from tests.worklogs.timetracker import (
    EXPECTED_CREATED,
    FIXTURE,
    NOTHING,
    assert_skipped,
    export_records,
    raw_record,
    row_counts,
)
from worklogs.importer import records_from_json, worklogs_import
from worklogs.models import Adjustment, Item, Segment, Task, Worker, WorkLog

pytestmark = pytest.mark.django_db


def _run_and_pay(period_end: date) -> dict:
    run = settlement_services.settlement_generate(period_end=period_end)
    paid = {}
    for remittance in run.remittances.select_related("worker").order_by("pk"):
        settlement_services.remittance_mark_paid(remittance=remittance)
        paid[remittance.worker.external_id] = (remittance.amount, remittance.currency)
    return paid


def test_numbers_are_read_exactly_never_through_float():
    records = records_from_json(b'[{"hourly_rate": 45.39, "n": 100, "amount": 0.1}]')
    assert records[0]["hourly_rate"] == Decimal("45.39")
    assert records[0]["n"] == 100 and isinstance(records[0]["n"], int)
    assert records[0]["amount"] == Decimal("0.1")


def test_float_amounts_are_refused_as_malformed():
    # A caller that parsed with floats has already lost digits: the record is reported, not guessed.
    records = json.loads(FIXTURE.read_text())
    report = worklogs_import(records=[records[1]]).as_dict()
    assert report["created"]["adjustment"] == 1
    assert report["skipped"] == [
        {"kind": "adjustment", "id": "adj-6", "reason": report["skipped"][0]["reason"]},
    ]
    assert "parse_float=Decimal" in report["skipped"][0]["reason"]


def test_realistic_export_imports_every_valid_record_and_reports_every_bad_one():
    report = worklogs_import(records=export_records()).as_dict()

    assert report["created"] == EXPECTED_CREATED
    assert report["unchanged"] == NOTHING
    assert_skipped(report)
    assert not Worker.objects.filter(external_id="300").exists()  # the skipped worklog wrote nothing

    ada = Worker.objects.get(external_id="100")
    assert (ada.name, ada.email, ada.currency) == ("Ada Lovelace", "", "USD")
    assert Worker.objects.get(external_id="200").currency == "EUR"
    wl1 = WorkLog.objects.get(external_id="WL-1001")
    assert wl1.hourly_rate == Decimal("45.39") and wl1.task.external_id == "Backend API"
    statuses = dict(Segment.objects.filter(worklog=wl1).values_list("external_id", "status"))
    assert statuses == {
        "seg-1": "ACTIVE",
        "seg-2": "ACTIVE",
        "seg-3": "DISPUTED",
        "seg-4": "REMOVED",
        "seg-5": "ACTIVE",
        "seg-11": "ACTIVE",
        "seg-12": "ACTIVE",
    }
    assert Segment.objects.get(external_id="seg-3").dispute_reason == "Client says this meeting never happened"
    assert Segment.objects.get(external_id="seg-4").status_reason
    earnings = dict(Item.objects.filter(worklog=wl1, kind="EARNING").values_list("segment__external_id", "amount"))
    assert earnings["seg-1"] == Decimal("7.57") and earnings["seg-2"] == Decimal("15.13")
    assert earnings["seg-12"] == Decimal("7.56")
    adjustments = {a.external_id: (a.amount, a.effective_date) for a in Adjustment.objects.all()}
    assert adjustments == {
        "adj-1": (Decimal("-20.50"), date(2025, 11, 15)),
        "adj-4": (Decimal("100.00"), date(2025, 12, 10)),
        "adj-5": (Decimal("-15.00"), date(2025, 11, 1)),
        "adj-6": (Decimal("25.50"), date(2025, 12, 15)),
    }
    assert WorkLog.objects.get(pk=wl1.pk).amount == Decimal("291.32")
    assert WorkLog.objects.get(external_id="WL-1004").amount == Decimal("30.00")
    assert WorkLog.objects.get(external_id="WL-2002").amount == Decimal("20.50")


def test_oct_nov_dec_runs_pay_exactly_what_the_export_earned():
    worklogs_import(records=export_records())

    assert _run_and_pay(date(2025, 10, 31)) == {
        "100": (Decimal("68.09"), "USD"),
        "200": (Decimal("10.00"), "EUR"),
    }
    assert _run_and_pay(date(2025, 11, 30)) == {"100": (Decimal("100.28"), "USD")}
    assert _run_and_pay(date(2025, 12, 31)) == {
        "100": (Decimal("107.56"), "USD"),
        "200": (Decimal("10.50"), "EUR"),
    }
    wl1 = WorkLog.objects.get(external_id="WL-1001")
    # Only the disputed seg-3 is still owed; everything else was paid.
    assert (wl1.amount, wl1.remitted_amount, wl1.unremitted_amount) == (
        Decimal("291.32"),
        Decimal("245.93"),
        Decimal("45.39"),
    )
    assert WorkLog.objects.get(external_id="WL-2002").remittance_status == "REMITTED"


def test_reimport_changes_nothing_and_reports_everything_unchanged():
    first = worklogs_import(records=export_records()).as_dict()
    _run_and_pay(date(2025, 10, 31))
    before = row_counts()

    second = worklogs_import(records=export_records()).as_dict()

    assert second["created"] == NOTHING
    assert second["unchanged"] == first["created"]
    assert_skipped(second)
    assert row_counts() == before
    assert Remittance.objects.count() == 2


def test_later_export_adds_only_what_is_new_and_keeps_first_results():
    worklogs_import(records=export_records())
    records = export_records()
    wl = records[0]
    wl["hourly_rate"] = "50.00"  # the source's rate changed before the new work
    seg1 = wl["segments"][0]
    seg1["status"] = "cancelled"  # a later status for an imported segment: the first import is kept
    wl["segments"].append(
        {"segment_id": "seg-14", "start": "2025-12-02T09:00:00Z", "end": "2025-12-02T09:30:00Z", "status": "approved"}
    )
    wl["adjustments"].append({"adjustment_id": "adj-7", "amount": "-1.00", "reason": "Fee", "applied_at": None})

    report = worklogs_import(records=[wl]).as_dict()

    assert report["created"] == {**NOTHING, "segment": 1, "adjustment": 1}
    assert report["unchanged"] == {"worker": 1, "task": 1, "worklog": 1, "segment": 7, "adjustment": 2}
    assert Segment.objects.get(external_id="seg-1").status == "ACTIVE"
    new = Segment.objects.get(external_id="seg-14")
    assert (new.hourly_rate, new.items.get().amount) == (Decimal("50.00"), Decimal("25.00"))
    assert Segment.objects.get(external_id="seg-2").hourly_rate == Decimal("45.39")
    assert WorkLog.objects.get(external_id="WL-1001").amount == Decimal("291.32") + Decimal("25.00") - Decimal("1.00")


def test_reimported_segment_with_other_times_or_adjustment_with_other_amount_is_skipped():
    worklogs_import(records=export_records())
    wl = export_records()[0]
    wl["segments"] = [{**wl["segments"][0], "end": "2025-10-06T09:15:00Z"}]
    wl["adjustments"] = [{**wl["adjustments"][0], "amount": "-21.00"}]
    before = row_counts()

    report = worklogs_import(records=[wl]).as_dict()

    assert [(s["kind"], s["id"]) for s in report["skipped"]] == [("segment", "seg-1"), ("adjustment", "adj-1")]
    assert row_counts() == before


def test_dry_run_reports_like_a_real_import_and_writes_nothing():
    before = row_counts()

    dry = worklogs_import(records=export_records(), dry_run=True).as_dict()

    assert row_counts() == before
    assert dry["created"] == EXPECTED_CREATED
    assert_skipped(dry)
    assert worklogs_import(records=export_records()).as_dict() == dry


def test_worklog_id_of_another_user_or_currency_is_skipped():
    worklogs_import(records=export_records()[1:2])
    moved = {**export_records()[1], "user_id": "999"}
    other_currency = {**export_records()[1], "worklog_id": "WL-2003", "task_name": "Other", "currency": "USD"}

    report = worklogs_import(records=[moved, other_currency]).as_dict()

    assert [(s["kind"], s["id"]) for s in report["skipped"][:1]] == [("worklog", "WL-2002")]
    assert ("worklog", "WL-2003") in [(s["kind"], s["id"]) for s in report["skipped"]]
    assert not Worker.objects.filter(external_id="999").exists()
    assert not WorkLog.objects.filter(external_id="WL-2003").exists()


def test_worker_and_task_of_a_worklog_rejected_by_the_service_are_neither_written_nor_counted():
    # "0" parses as money but the service refuses the rate, after the worker and task were created.
    zero_rate = {**raw_record(1), "hourly_rate": "0"}

    alone = worklogs_import(records=[zero_rate]).as_dict()
    assert alone["created"] == NOTHING and alone["unchanged"] == NOTHING
    # On SQLite the rolled-back worker's id is reused by the next one, which must still be counted.
    report = worklogs_import(records=[zero_rate, raw_record(2)]).as_dict()

    assert report["created"] == {"worker": 1, "task": 1, "worklog": 1, "segment": 1, "adjustment": 0}
    assert [(s["kind"], s["id"]) for s in report["skipped"]] == [("worklog", "W1"), ("segment", "s1")]
    assert list(Worker.objects.values_list("external_id", flat=True)) == ["U2"]
    assert list(Task.objects.values_list("external_id", flat=True)) == ["Task 2"]
