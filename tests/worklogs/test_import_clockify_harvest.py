"""Clockify's detailed CSV (US dates, AM/PM, cost rate) and Harvest's detailed time report (hours on a date)."""

from decimal import Decimal

import pytest
from django.test import override_settings

from tests.worklogs.import_files import counts, run, sample, spans
from tests.worklogs.timetracker import row_counts
from worklogs.models import Segment, Task, Worker, WorkLog

pytestmark = pytest.mark.django_db

CLOCKIFY_HEADER = sample("clockify.csv").decode().splitlines()[0] + "\n"
HARVEST_HEADER = sample("harvest.csv").decode().splitlines()[0] + "\n"


def test_clockify_sample_reads_us_dates_and_12_hour_times_and_pays_the_cost_rate_else_the_given_rate():
    report = run(sample("clockify.csv"), rate=Decimal("45.00"))

    assert report["format"] == "clockify"
    assert report["created"] == counts(worker=2, task=2, worklog=2, segment=2)
    assert spans() == [
        ("ada@example.com", "2026-10-06T09:00:00Z", "2026-10-06T10:15:00Z", "ACTIVE", Decimal("50.00")),  # 40.00/h
        ("linus@example.com", "2026-10-06T13:00:00Z", "2026-10-06T15:30:00Z", "ACTIVE", Decimal("112.50")),  # 45.00/h
    ]
    assert WorkLog.objects.get(task__title="Website / Design").hourly_rate == Decimal("40.00")
    assert Task.objects.filter(title="Mobile app").exists()  # no task: matched by project alone


def test_clockify_reimport_adds_nothing():
    run(sample("clockify.csv"), rate=Decimal("45.00"))
    before = row_counts()
    assert run(sample("clockify.csv"))["skipped"] == counts(segment=2)
    assert row_counts() == before


@override_settings(TIME_ZONE="Europe/Berlin")
def test_clockify_on_the_autumn_clock_change_uses_the_decimal_duration_to_pick_the_repeated_hour():
    row = "P,,,,Ada,,ada@example.com,,No,10/27/2024,02:15:00 AM,10/27/2024,02:45:00 AM,,1.5,0,0\n"
    run(CLOCKIFY_HEADER + row, rate=Decimal("10.00"))
    # 02:15 CEST (00:15Z) to 02:45 CET (01:45Z): the 1.5 h the export says, not 30 minutes
    assert spans() == [("ada@example.com", "2024-10-27T00:15:00Z", "2024-10-27T01:45:00Z", "ACTIVE", Decimal("15.00"))]


def test_harvest_sample_lays_hours_from_midnight_and_matches_people_by_name():
    Worker.objects.create(name="grace HOPPER", email="grace@example.com")  # matched by name, case-insensitive
    report = run(sample("harvest.csv"), rate=Decimal("45.00"))

    assert report["format"] == "harvest"
    assert report["created"] == counts(worker=1, task=2, worklog=2, segment=3)
    assert spans() == [
        # two identical rows are two entries, one after the other, at the cost rate 40.00
        ("", "2026-10-07T00:00:00Z", "2026-10-07T02:30:00Z", "ACTIVE", Decimal("100.00")),
        ("", "2026-10-07T02:30:00Z", "2026-10-07T05:00:00Z", "ACTIVE", Decimal("100.00")),
        ("grace@example.com", "2026-10-07T00:00:00Z", "2026-10-07T00:45:00Z", "ACTIVE", Decimal("33.75")),
    ]
    assert Worker.objects.get(name="Ada Lovelace").currency == "USD"
    assert Task.objects.filter(title="Backend / Operations").exists()


def test_harvest_reimport_adds_nothing_and_a_later_file_appends_after_the_imported_hours():
    run(sample("harvest.csv"), rate=Decimal("45.00"))
    before = row_counts()
    assert run(sample("harvest.csv"))["skipped"] == counts(segment=3)
    assert row_counts() == before

    later = sample("harvest.csv").decode() + (
        "2026-10-07,Acme,Website,WEB,Design,Wireframes,1,1,Yes,No,Yes,Ada,Lovelace,,Yes,,,40.00,,US Dollar - USD,\n"
    )
    report = run(later)
    assert report["created"] == counts(segment=1) and report["skipped"] == counts(segment=3)
    assert spans()[-1][1:3] == ("2026-10-07T05:00:00Z", "2026-10-07T06:00:00Z")


def test_harvest_without_bom_and_with_bom_read_alike_and_hostile_rows_are_rejected_with_lines():
    rows = (
        "2026-10-08,C,P,,T,ok,1,,,,,Ada,L,,,,,,,,\n"
        "2026-10-08,C,P,,T,neg,-2,,,,,Ada,L,,,,,,,,\n"
        "2026-10-08,C,P,,T,long,25,,,,,Ada,L,,,,,,,,\n"
        "08/32/2026,C,P,,T,bad date,1,,,,,Ada,L,,,,,,,,\n"
        "2026-10-08,C,P,,T,nobody,1,,,,,,,,,,,,,,\n"
        '2026-10-08,C,"=HYPERLINK(""http://evil"")",,T,@SUM(A1),1,,,,,Ada,L,,,,,,,,\n'
    )
    report = run(b"\xef\xbb\xbf" + (HARVEST_HEADER + rows).encode(), rate=Decimal("20.00"))

    assert [(r["line"], r["reason"]) for r in report["rejected_rows"]] == [
        (3, "Hours must be more than zero, got '-2'."),
        (4, "Hours 25 is more than 24 hours."),
        (5, "Date '08/32/2026' is not a date (YYYY-MM-DD, MM/DD/YYYY or DD.MM.YYYY)."),
        (6, "First Name and Last Name are empty."),
    ]
    assert report["created"] == counts(worker=1, task=2, worklog=2, segment=2)
    assert Task.objects.filter(title='=HYPERLINK("http://evil") / T').exists()  # stored as text
    assert Segment.objects.filter(note="@SUM(A1)").exists()
    assert run((HARVEST_HEADER + rows).encode())["skipped"] == counts(segment=2)  # no BOM: the same rows
