"""Harvest's detailed time report export: hours on a date, the person by first and last name.

Harvest exports no start and end times, so its rows are hours-only and are laid end to end like
the v2 seed's (`worklogs.importer.layout`). It exports no e-mail either: an "Email" column is read
when present, else the worker is matched by "First Name Last Name". "Cost Rate" (with "Currency",
e.g. "US Dollar - USD") is what the person costs, i.e. is paid; "Billable Rate" is what the client
is charged and is not read.
"""

import re
from collections import Counter

from worklogs.importer.formats.csvfiles import (
    MAX_NOTE,
    content_id,
    csv_records,
    email_of,
    parse_day,
    parse_hours,
    parse_rate,
    text_of,
)
from worklogs.importer.formats.rows import BadRow, ParsedRow, RowError, TimeRow

REQUIRED = {"Date", "Project", "Task", "Hours", "First Name", "Last Name"}
CURRENCY_CODE = re.compile(r"\b([A-Z]{3})\s*$")


def _row(line: int, record: dict[str, str], seen: Counter[tuple[str, ...]]) -> TimeRow:
    email = email_of(record) if "Email" in record else ""
    name = " ".join(filter(None, (text_of(record, "First Name"), text_of(record, "Last Name"))))
    if not email and not name:
        raise RowError("First Name and Last Name are empty.")
    project = text_of(record, "Project", required=True)
    task = text_of(record, "Task")
    note = text_of(record, "Notes", max_length=MAX_NOTE)
    day = parse_day(record["Date"], "Date")
    seconds = parse_hours(record["Hours"], "Hours")
    rate = parse_rate(record.get("Cost Rate") or "", "Cost Rate")
    match = CURRENCY_CODE.search(text_of(record, "Currency"))
    fields = (email or name.lower(), project, task, day.isoformat(), str(seconds), note)
    seen[fields] += 1  # two identical rows are two entries: the occurrence number tells them apart
    return TimeRow(
        line=line,
        source_id=content_id("harvest", *fields, str(seen[fields])),
        email=email,
        name=name,
        project=project,
        task=task,
        note=note,
        rate=rate,
        currency=match.group(1) if match and rate is not None else None,
        day=day,
        seconds=seconds,
    )


def read_harvest(text: str, header: list[str]) -> list[ParsedRow]:
    rows: list[ParsedRow] = []
    seen: Counter[tuple[str, ...]] = Counter()
    for line, record in csv_records(text):
        try:
            rows.append(_row(line, record, seen))
        except RowError as exc:
            rows.append(BadRow(line=line, source_id=None, reason=str(exc)))
    return rows
