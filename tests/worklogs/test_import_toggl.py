"""Toggl Track's detailed CSV: real start and end times in TIME_ZONE, workers by e-mail, tasks by project/task."""

from decimal import Decimal

import pytest
from django.test import override_settings

from tests.worklogs.import_files import counts, run, sample, spans
from tests.worklogs.timetracker import row_counts
from worklogs.models import Task, Worker, WorkLog

pytestmark = pytest.mark.django_db

HEADER = (
    "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags,"
    "Amount (USD)\n"
)


def test_the_sample_becomes_exact_segments_paid_at_the_given_rate():
    report = run(sample("toggl.csv"), rate=Decimal("45.39"))

    assert report["format"] == "toggl"
    assert report["created"] == counts(worker=2, task=2, worklog=2, segment=3)
    assert report["rejected_rows"] == []
    assert spans() == [
        # 90 min at 45.39 = 68.085 -> 68.09; then 20 min: total 83.215 -> 83.22, so 15.13
        ("ada@example.com", "2026-10-05T09:00:00Z", "2026-10-05T10:30:00Z", "ACTIVE", Decimal("68.09")),
        ("ada@example.com", "2026-10-05T11:00:00Z", "2026-10-05T11:20:00Z", "ACTIVE", Decimal("15.13")),
        ("grace@example.com", "2026-10-05T09:00:00Z", "2026-10-05T09:45:00Z", "ACTIVE", Decimal("34.04")),
    ]
    ada = Worker.objects.get(email="ada@example.com")  # "ADA@Example.com" on line 3 is the same worker
    assert (ada.name, ada.currency) == ("Ada Lovelace", "USD")
    assert sorted(Task.objects.values_list("title", flat=True)) == ["Backend", "Website / Design"]
    assert WorkLog.objects.get(worker=ada).amount == Decimal("83.22")
    assert WorkLog.objects.get(task__title="Backend").hourly_rate == Decimal("45.39")


def test_reimporting_adds_nothing_and_a_later_overlapping_file_adds_only_its_new_rows():
    run(sample("toggl.csv"), rate=Decimal("45.00"))
    before = row_counts()

    again = run(sample("toggl.csv"), rate=Decimal("45.00"))
    assert again["created"] == counts() and again["skipped"] == counts(segment=3)
    assert row_counts() == before

    later = sample("toggl.csv").decode() + (
        "Ada Lovelace,ada@example.com,Acme,Website,Design,Afternoon,Yes,2026-10-06,14:00:00,2026-10-06,15:00:00,"
        "01:00:00,,\n"
    )
    report = run(later)  # no --rate: the worklog exists and keeps its 45.00
    assert report["created"] == counts(segment=1) and report["skipped"] == counts(segment=3)
    assert spans()[-1] == (
        "ada@example.com",
        "2026-10-06T14:00:00Z",
        "2026-10-06T15:00:00Z",
        "ACTIVE",
        Decimal("45.00"),
    )


def test_with_and_without_a_byte_order_mark_the_file_is_the_same():
    with_bom = b"\xef\xbb\xbf" + sample("toggl.csv")
    assert run(with_bom, rate=Decimal("45.00"))["created"]["segment"] == 3
    assert run(sample("toggl.csv"), rate=Decimal("45.00"))["skipped"]["segment"] == 3


def test_an_id_column_gives_the_source_id():
    body = HEADER.replace("User,", "ID,User,") + (
        "9001,Ada,ada@example.com,,P,,x,Yes,2026-10-05,09:00:00,2026-10-05,10:00:00,01:00:00,,\n"
    )
    run(body, rate=Decimal("10.00"))
    assert WorkLog.objects.get().segments.get().external_id == "toggl:9001"


@override_settings(TIME_ZONE="Europe/Berlin")
def test_local_times_on_both_clock_changes_in_berlin_are_read_as_instants():
    body = HEADER + (
        # 31 March 2024: 02:00 CET jumps to 03:00 CEST; 01:30 to 03:30 lasts one hour
        "Ada,ada@example.com,,Spring,,,Yes,2024-03-31,01:30:00,2024-03-31,03:30:00,01:00:00,,\n"
        # 27 October 2024: 03:00 CEST falls back to 02:00 CET; 01:30 to 02:30 lasting 02:00:00 ends in the second 02:30
        "Ada,ada@example.com,,Autumn,,,Yes,2024-10-27,01:30:00,2024-10-27,02:30:00,02:00:00,,\n"
        # a wall time the zone skips names no instant
        "Ada,ada@example.com,,Gap,,,Yes,2024-03-31,02:30:00,2024-03-31,04:00:00,00:30:00,,\n"
    )
    report = run(body, rate=Decimal("10.00"))

    assert spans() == [
        ("ada@example.com", "2024-03-31T00:30:00Z", "2024-03-31T01:30:00Z", "ACTIVE", Decimal("10.00")),
        ("ada@example.com", "2024-10-26T23:30:00Z", "2024-10-27T01:30:00Z", "ACTIVE", Decimal("20.00")),
    ]
    assert [(r["line"], r["kind"]) for r in report["rejected_rows"]] == [(4, "segment")]
    assert "does not exist in Europe/Berlin" in report["rejected_rows"][0]["reason"]


def test_hostile_rows_are_rejected_with_their_line_and_nothing_of_them_is_written():
    fine = "Ada,ada@example.com,,P,,ok,Yes,2026-10-05,09:00:00,2026-10-05,10:00:00,01:00:00,,\n"
    run(HEADER + fine, rate=Decimal("10.00"))  # Ada's worklog on P exists from now on, at 10.00
    before = row_counts()
    body = (
        HEADER
        + (
            fine  # line 2: imported before
            + "Ada,ada@example.com,,P,,,Yes,2026-13-45,09:00:00,2026-10-05,10:00:00,01:00:00,,\n"  # bad date
            "Nobody,,,P,,,Yes,2026-10-05,11:00:00,2026-10-05,12:00:00,01:00:00,,\n"  # empty e-mail
            "Ada,ada@example.com,,P,,,Yes,2026-10-05,12:00:00,2026-10-05,11:00:00,,,\n"  # ends before it starts
            "Ada,ada@example.com,,P,,,Yes,2026-10-01,00:00:00,2026-10-02,01:00:00,25:00:00,,\n"  # over 24 h
            "Bob,bob@example.com,,New,,,Yes,2026-10-05,09:00:00,2026-10-05,10:00:00,01:00:00,,\n"  # no rate anywhere
        )
    )
    report = run(body)

    assert report["rejected"] == counts(segment=5)
    assert [(r["line"], r["reason"]) for r in report["rejected_rows"]] == [
        (3, "Start date '2026-13-45' is not a date (YYYY-MM-DD, MM/DD/YYYY or DD.MM.YYYY)."),
        (4, "Email is empty."),
        (5, "endedAt must be after startedAt."),
        (6, "A segment lasts at most 24 hours."),
        (7, report["rejected_rows"][4]["reason"]),
    ]
    assert "No hourly rate for a new worklog" in report["rejected_rows"][4]["reason"]
    assert "--rate" in report["rejected_rows"][4]["reason"]
    assert report["created"] == counts() and report["skipped"] == counts(segment=1)
    assert row_counts() == before  # nothing of a rejected row: not even Bob, whose row failed at its worklog
    assert not Worker.objects.filter(email="bob@example.com").exists()


def test_dry_run_reports_the_same_and_writes_nothing():
    dry = run(sample("toggl.csv"), rate=Decimal("45.00"), dry_run=True)
    assert sum(row_counts().values()) == 0
    assert dry["dry_run"] is True
    real = run(sample("toggl.csv"), rate=Decimal("45.00"))
    assert {k: v for k, v in dry.items() if k != "dry_run"} == {k: v for k, v in real.items() if k != "dry_run"}
