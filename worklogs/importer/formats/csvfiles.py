"""Reading a time tracker's CSV export: UTF-8 with or without BOM, line numbers, local times, hours.

Local dates and times are read in the settings' `TIME_ZONE` and turned into UTC instants
(core/instants.py). A wall time that the zone skips (the spring-forward gap) names no instant and
is refused; one it repeats (the fall-back hour) is resolved with the row's duration when the
export gives one, else read as its first occurrence.
"""

import csv
import hashlib
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

from core.errors import InvalidInput
from core.instants import DATE_RANGE_MESSAGE, date_in_range
from core.strict_json import UNSTORABLE
from worklogs.importer.formats.rows import RowError

MAX_TEXT = 300  # a project, task or name longer than a task title can hold is refused
MAX_NOTE = 10_000
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y")
TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p")


def csv_header(text: str) -> list[str]:
    """The first row's column names (stripped), or [] when the text has no CSV header."""
    try:
        return [name.strip() for name in next(csv.reader(io.StringIO(text)), [])]
    except csv.Error:
        return []


def csv_records(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number of the record's first line, {column: value}) for every data row; blank rows skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput(f"Line {line} is not readable as CSV ({exc}).") from None
        if not any(value.strip() for value in values):
            continue
        yield line, {name: (values[i] if i < len(values) else "") for i, name in enumerate(header)}


def text_of(record: dict[str, str], column: str, *, required: bool = False, max_length: int = MAX_TEXT) -> str:
    value = (record.get(column) or "").strip()
    if required and not value:
        raise RowError(f"{column} is empty.")
    if UNSTORABLE.search(value):
        raise RowError(f"{column} holds a NUL or a lone surrogate character.")
    if len(value) > max_length:
        raise RowError(f"{column} is longer than {max_length} characters.")
    return value


def email_of(record: dict[str, str], column: str = "Email") -> str:
    email = text_of(record, column, required=True, max_length=254).lower()
    if "@" not in email or " " in email:
        raise RowError(f"{column} {email!r} is not an e-mail address.")
    return email


def parse_day(value: str, column: str) -> date:
    text = value.strip()
    for fmt in DATE_FORMATS:
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if not date_in_range(day):
            raise RowError(f"{column}: {DATE_RANGE_MESSAGE} Got {text!r}.")
        return day
    raise RowError(f"{column} {text!r} is not a date (YYYY-MM-DD, MM/DD/YYYY or DD.MM.YYYY).")


def parse_time(value: str, column: str) -> time:
    text = value.strip().upper()
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    raise RowError(f"{column} {value.strip()!r} is not a time (HH:MM:SS, or with AM/PM).")


def local_instants(day: date, clock: time, column: str) -> list[datetime]:
    """The UTC instants a local wall time names in `TIME_ZONE`: none (a gap), one, or two (a repeat)."""
    zone = timezone.get_default_timezone()
    found: list[datetime] = []
    for fold in (0, 1):
        moment = datetime.combine(day, clock, tzinfo=zone).replace(fold=fold)
        instant = moment.astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == moment.replace(tzinfo=None) and instant not in found:
            found.append(instant)
    if not found:
        raise RowError(f"{column} {day.isoformat()} {clock.isoformat()} does not exist in {zone} (a clock change).")
    return found


def span_of(start: tuple[date, time], end: tuple[date, time], seconds: int | None) -> tuple[datetime, datetime]:
    """A row's start and end as instants; in a repeated hour, the reading whose length is `seconds`."""
    starts = local_instants(*start, "Start")
    ends = local_instants(*end, "End")
    pairs = [(s, e) for s in starts for e in ends]
    if seconds is not None:
        for s, e in pairs:
            if (e - s) == timedelta(seconds=seconds):
                return s, e
    return pairs[0]


def parse_clock_duration(value: str, column: str) -> int:
    """ "HH:MM:SS" (or "H:MM") as seconds; hours may pass 24 (the service refuses the span later)."""
    parts = value.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isascii() and p.isdigit() for p in parts):
        raise RowError(f"{column} {value.strip()!r} is not a duration (HH:MM:SS).")
    hours, minutes, secs = (int(p) for p in [*parts, "0"][:3])
    if minutes >= 60 or secs >= 60:
        raise RowError(f"{column} {value.strip()!r} is not a duration (HH:MM:SS).")
    return hours * 3600 + minutes * 60 + secs


def parse_hours(value: object, column: str) -> int:
    """Hours as decimal ("1.5", or "1:30") -> whole seconds, rounded half up; positive, at most 24 h."""
    text = str(value).strip()
    if ":" in text:
        seconds = parse_clock_duration(text, column)
    else:
        try:
            hours = Decimal(text) if text.isascii() and text else Decimal("NaN")
        except InvalidOperation:
            hours = Decimal("NaN")
        if not hours.is_finite():
            raise RowError(f"{column} {text!r} is not a number of hours.")
        if hours > 24:
            raise RowError(f"{column} {text} is more than 24 hours.")
        seconds = int((hours * 3600).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if seconds <= 0:
        raise RowError(f"{column} must be more than zero, got {text!r}.")
    if seconds > 24 * 3600:
        raise RowError(f"{column} {text} is more than 24 hours.")
    return seconds


def parse_rate(value: str, column: str) -> Decimal | None:
    """A pay rate cell: None when empty or zero (then `--rate` applies)."""
    text = value.strip().replace(",", "")
    if not text:
        return None
    try:
        rate = Decimal(text) if text.isascii() else Decimal("NaN")
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite() or rate < 0 or rate != rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        raise RowError(f"{column} {value.strip()!r} is not a rate (at most two decimals).")
    return rate.quantize(Decimal("0.01")) if rate else None


def content_id(prefix: str, *fields: str) -> str:
    """`prefix:` + the first 32 hex digits of SHA-256 over the fields joined by U+001F (README "Importing time")."""
    digest = hashlib.sha256("\x1f".join(fields).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{prefix}:{digest[:32]}"
