"""The v2 seed: users, tasks, worklogs, hours laid end to end from 00:00 in TIME_ZONE, statuses, adjustments."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings

from settlements import services as settlement_services
from tests.worklogs.import_files import counts, run, sample, spans
from tests.worklogs.timetracker import row_counts
from worklogs.models import Adjustment, Item, Worker, WorkLog

pytestmark = pytest.mark.django_db


def _seed(**sections) -> str:
    base = {
        "users": [{"external_id": "u1", "display_name": "Una", "email": "una@example.com", "hourly_rate_cents": 3000}],
        "tasks": [{"external_id": "t1", "title": "Task one"}],
        "worklogs": [{"external_id": "w1", "task_external_id": "t1", "user_external_id": "u1"}],
        "time_entries": [],
        "adjustments": [],
    }
    base.update(sections)
    return json.dumps(base, indent=2)


def _entry(hours, day="2026-10-05", **extra) -> dict:
    return {"worklog_external_id": "w1", "occurred_on": day, "hours": hours, **extra}


def test_the_sample_lays_hours_end_to_end_and_pays_each_worklog_at_its_users_rate():
    report = run(sample("v2.json"))

    assert report["format"] == "v2"
    assert report["rejected_rows"] == []
    assert report["created"] == counts(worker=2, task=2, worklog=3, segment=5, adjustment=2)
    assert spans() == [
        # Ada's day: wl-1 1.5 h, wl-2 0.25 h, wl-1 2 h (disputed: held), in file order from 00:00
        ("ada@example.com", "2026-10-05T00:00:00Z", "2026-10-05T01:30:00Z", "ACTIVE", Decimal("68.09")),
        ("ada@example.com", "2026-10-05T01:30:00Z", "2026-10-05T01:45:00Z", "ACTIVE", Decimal("11.35")),
        ("ada@example.com", "2026-10-05T01:45:00Z", "2026-10-05T03:45:00Z", "DISPUTED", Decimal("90.78")),
        ("grace@example.com", "2026-10-05T00:00:00Z", "2026-10-05T08:00:00Z", "ACTIVE", Decimal("480.00")),
        ("grace@example.com", "2026-10-06T00:00:00Z", "2026-10-06T00:30:00Z", "REMOVED", Decimal("30.00")),
    ]
    amounts = dict(WorkLog.objects.values_list("external_id", "amount"))
    # wl-1: 68.09 + 90.78 - 10.50; wl-3: 480.00 + 30.00 - 30.00 (rejected entry) + 25.00 (bonus, her first worklog)
    assert amounts == {"wl-1": Decimal("148.37"), "wl-2": Decimal("11.35"), "wl-3": Decimal("505.00")}
    assert WorkLog.objects.get(external_id="wl-3").hourly_rate == Decimal("60.00")
    equipment = Adjustment.objects.get(amount=Decimal("-10.50"))
    assert equipment.effective_date is None  # the period is information: settled by the next run
    assert equipment.reason == "Equipment (relates to 2026-10-01 to 2026-10-31)"
    assert Adjustment.objects.get(amount=Decimal("25.00")).reason == "Launch bonus"


def test_adjustments_without_an_effective_date_are_settled_by_the_next_run():
    run(sample("v2.json"))
    run_ = settlement_services.settlement_generate(period_end=date(2026, 10, 31))
    paid = {r.worker.email: r.amount for r in run_.remittances.select_related("worker")}
    # Ada: 68.09 + 11.35 - 10.50 (the disputed 90.78 is held); Grace: 480.00 + 25.00
    assert paid == {"ada@example.com": Decimal("68.94"), "grace@example.com": Decimal("505.00")}


def test_reimporting_adds_nothing_and_a_later_file_appends_its_new_entries_after_the_imported_ones():
    run(sample("v2.json"))
    before = row_counts()
    again = run(sample("v2.json"))
    assert again["created"] == counts()
    assert again["skipped"] == counts(worker=2, task=2, worklog=3, segment=5, adjustment=2)
    assert row_counts() == before

    later = json.loads(sample("v2.json"))
    later["time_entries"].insert(0, {"worklog_external_id": "wl-2", "occurred_on": "2026-10-05", "hours": "1"})
    report = run(json.dumps(later))
    assert report["created"] == counts(segment=1) and report["skipped"]["segment"] == 5
    assert spans()[-1] == (
        "ada@example.com",
        "2026-10-05T03:45:00Z",
        "2026-10-05T04:45:00Z",
        "ACTIVE",
        Decimal("45.39"),
    )


def test_a_day_past_24_hours_for_a_worker_is_reported_and_the_next_entry_takes_its_place():
    body = _seed(time_entries=[_entry("20"), _entry("5"), _entry("4")])
    report = run(body)

    assert [(r["line"], r["kind"]) for r in report["rejected_rows"]] == [(29, "segment")]
    assert (
        "entries of 2026-10-05 pass 24 hours: 20 h are laid out already and this entry adds 5 h"
        in (report["rejected_rows"][0]["reason"])
    )
    assert [(s[1], s[2]) for s in spans()] == [
        ("2026-10-05T00:00:00Z", "2026-10-05T20:00:00Z"),
        ("2026-10-05T20:00:00Z", "2026-10-06T00:00:00Z"),
    ]


@override_settings(TIME_ZONE="Europe/Berlin")
def test_a_day_starts_at_local_midnight_and_a_spring_forward_day_has_23_hours():
    report = run(_seed(time_entries=[_entry("2", day="2024-03-31"), _entry("21.5", day="2024-03-31")]))
    assert [s[1:3] for s in spans()] == [("2024-03-30T23:00:00Z", "2024-03-31T01:00:00Z")]
    assert "that day has 23 h" in report["rejected_rows"][0]["reason"]


def test_hostile_entries_are_rejected_with_their_lines_and_write_nothing():
    body = _seed(
        users=[
            {"external_id": "u1", "display_name": "Una", "email": "una@example.com", "hourly_rate_cents": 3000},
            {"external_id": "u2", "display_name": "No rate", "email": "x@example.com"},
        ],
        worklogs=[
            {"external_id": "w1", "task_external_id": "t1", "user_external_id": "u1"},
            {"external_id": "w2", "task_external_id": "t1", "user_external_id": "ghost"},
        ],
        time_entries=[
            _entry("1", day="2026-02-30"),
            _entry("-1"),
            _entry("0"),
            _entry("NaN"),
            _entry(1.5, status="maybe"),
            {"worklog_external_id": "w2", "occurred_on": "2026-10-05", "hours": "1"},
            _entry("1", memo="=cmd|' /C calc'!A0"),
        ],
    )
    report = run(body)

    reasons = [(r["kind"], r["reason"]) for r in report["rejected_rows"]]
    assert reasons == [
        ("worker", "hourly_rate_cents is missing and no --rate (?rate=) was given."),
        ("worklog", "user_external_id ghost is unknown: not in this file, not imported before."),
        ("segment", "occurred_on must be a date (YYYY-MM-DD), got '2026-02-30'."),
        ("segment", "hours must be more than zero, got '-1'."),
        ("segment", "hours must be more than zero, got '0'."),
        ("segment", "hours 'NaN' is not a number of hours."),
        ("segment", reasons[6][1]),
        ("segment", "worklog_external_id w2 was rejected (line 27)."),
    ]
    assert reasons[6][1].startswith("Unknown status 'maybe'")
    assert [r["line"] for r in report["rejected_rows"]] == [9, 27, 34, 39, 44, 49, 54, 60]
    assert not Worker.objects.filter(external_id="u2").exists()
    note = WorkLog.objects.get(external_id="w1").segments.get().note
    assert note == "=cmd|' /C calc'!A0"  # stored as text; the CSV exports neutralise it
    assert Item.objects.count() == 1


def test_dry_run_reports_the_same_and_writes_nothing():
    dry = run(sample("v2.json"), dry_run=True)
    assert sum(row_counts().values()) == 0
    assert dry["created"] == counts(worker=2, task=2, worklog=3, segment=5, adjustment=2)
