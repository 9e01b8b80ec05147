"""The two exports with real start and end times: Toggl Track's and Clockify's detailed reports.

They differ in column names (Toggl: "Start date", Clockify: "Start Date"), in the duration's
column, and in that Clockify may carry a cost rate ("Cost Rate (USD)"). Billable or not, the time
is paid, so "Billable" is not read.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from worklogs.importer.formats.csvfiles import (
    MAX_NOTE,
    content_id,
    csv_records,
    email_of,
    parse_clock_duration,
    parse_day,
    parse_hours,
    parse_rate,
    parse_time,
    span_of,
    text_of,
)
from worklogs.importer.formats.rows import BadRow, ParsedRow, RowError, TimeRow


@dataclass(frozen=True)
class TimedColumns:
    name: str
    user: tuple[str, ...]  # the first present names the worker
    start_date: str
    start_time: str
    end_date: str
    end_time: str
    durations: tuple[tuple[str, bool], ...]  # (column, is decimal hours)
    ids: tuple[str, ...] = ()

    @property
    def required(self) -> set[str]:
        return {"Email", "Project", self.start_date, self.start_time, self.end_date, self.end_time}


TOGGL = TimedColumns(
    name="toggl",
    user=("User", "Member"),
    start_date="Start date",
    start_time="Start time",
    end_date="End date",
    end_time="End time",
    durations=(("Duration", False),),
    ids=("ID", "Id", "Time entry ID"),
)
CLOCKIFY = TimedColumns(
    name="clockify",
    user=("User",),
    start_date="Start Date",
    start_time="Start Time",
    end_date="End Date",
    end_time="End Time",
    durations=(("Duration (h)", False), ("Duration (decimal)", True)),
    ids=("ID", "Id"),
)
COST_RATE = re.compile(r"^Cost Rate \(([A-Z]{3})\)$")


def _duration(columns: TimedColumns, record: dict[str, str]) -> int | None:
    for column, decimal in columns.durations:
        value = (record.get(column) or "").strip()
        if value:
            return parse_hours(value, column) if decimal else parse_clock_duration(value, column)
    return None


def _rate(header: list[str], record: dict[str, str]) -> tuple[Decimal | None, str | None]:
    """Clockify's cost rate (what the worker costs, i.e. is paid), when exported; never the billable rate."""
    for column in header:
        match = COST_RATE.match(column)
        if match:
            rate = parse_rate(record.get(column) or "", column)
            return rate, (match.group(1) if rate is not None else None)
    return None, None


def _day(record: dict[str, str], column: str):
    return parse_day(record[column], column)


def _row(columns: TimedColumns, header: list[str], line: int, record: dict[str, str]) -> TimeRow:
    email = email_of(record)
    name = next((text_of(record, c) for c in columns.user if text_of(record, c)), "") or email.split("@")[0]
    project = text_of(record, "Project", required=True)
    task = text_of(record, "Task")
    note = text_of(record, "Description", max_length=MAX_NOTE)
    start = (_day(record, columns.start_date), parse_time(record[columns.start_time], columns.start_time))
    end = (_day(record, columns.end_date), parse_time(record[columns.end_time], columns.end_time))
    started_at, ended_at = span_of(start, end, _duration(columns, record))
    source = next((text_of(record, c, max_length=100) for c in columns.ids if text_of(record, c, max_length=100)), "")
    if source:
        source_id = f"{columns.name}:{source}"
    else:
        fields = (email, project, task, started_at.isoformat(), ended_at.isoformat(), note)
        source_id = content_id(columns.name, *fields)
    rate, currency = _rate(header, record)
    return TimeRow(
        line=line,
        source_id=source_id,
        email=email,
        name=name,
        project=project,
        task=task,
        note=note,
        rate=rate,
        currency=currency,
        started_at=started_at,
        ended_at=ended_at,
    )


def read_timed(columns: TimedColumns, text: str, header: list[str]) -> list[ParsedRow]:
    rows: list[ParsedRow] = []
    for line, record in csv_records(text):
        try:
            rows.append(_row(columns, header, line, record))
        except RowError as exc:
            rows.append(BadRow(line=line, source_id=None, reason=str(exc)))
    return rows
