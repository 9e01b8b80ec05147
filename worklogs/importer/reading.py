"""Reading an export's records: exact numbers, source ids, timestamps; `RecordError` for the unreadable."""

import json
from datetime import date, datetime
from decimal import Decimal

from django.utils.dateparse import parse_date, parse_datetime

from core.errors import InvalidInput
from core.instants import DATE_RANGE_MESSAGE, date_in_range, local_date
from core.money import parse_money
from core.strict_json import UNSTORABLE, JSONRefused, strict_json_loads

KINDS = ("worker", "task", "worklog", "segment", "adjustment")
SEGMENT_STATUSES = ("approved", "disputed", "cancelled")
CANCEL_REASON = "Cancelled in the time tracker (import)."
DEFAULT_DISPUTE_REASON = "Disputed in the time tracker (no reason given)."


class RecordError(Exception):
    """A record the importer cannot read (shape, types, lengths); reported, never raised out."""


# --- Reading --------------------------------------------------------------------------------


def records_from_json(raw: str | bytes) -> list:
    """Parse an export, numbers exactly (never through float). InvalidInput if not a JSON array.

    Strict JSON (api/parsers.py: no NaN or Infinity, bounded nesting), except that a number too
    large for any field is read as it is, and a string no database can store (a lone surrogate, a
    NUL) is kept: both are reported on their own record, which the rest of the file does not depend on.
    """
    try:
        text = raw.decode(json.detect_encoding(raw)) if isinstance(raw, bytes) else raw
        data = strict_json_loads(text, exact_numbers=True, allow_unstorable=True)
    except (JSONRefused, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Not valid JSON: {exc}") from None
    if not isinstance(data, list):
        raise InvalidInput("The export must be a JSON array of worklogs.")
    return data


def _storable(text: str, name: str) -> str:
    """A text every database can store: no lone surrogate, no NUL (what the API's parser refuses)."""
    if UNSTORABLE.search(text):
        raise RecordError(f"{name} holds a lone surrogate or a NUL character.")
    return text


def read_source_id(value, *, name: str, max_length: int) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise RecordError(f"{name} is required (a string or an integer).")
    text = _storable(str(value).strip(), name)
    if len(text) > max_length:
        raise RecordError(f"{name} is longer than {max_length} characters.")
    return text


def peek_id(record, name: str) -> str | None:
    """The source id to report a record under, even when the record is malformed."""
    value = record.get(name) if isinstance(record, dict) else None
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def read_text(value, *, name: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordError(f"{name} is required (a string).")
    _storable(value, name)
    if len(value.strip()) > max_length:
        raise RecordError(f"{name} is longer than {max_length} characters.")
    return value.strip()


def read_money(value, *, name: str) -> Decimal:
    if isinstance(value, float):
        raise RecordError(f"{name} was read as a float; parse the JSON with parse_float=Decimal.")
    if not isinstance(value, str | int | Decimal) or isinstance(value, bool):
        raise RecordError(f"{name} must be a decimal number or string, got {value!r}.")
    try:
        return parse_money(value, field=name)
    except ValueError as exc:
        raise RecordError(f"{exc} Got {value!r}.") from None


def read_timestamp(value, *, name: str) -> datetime:
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise RecordError(f"{name} must be an ISO-8601 timestamp with an offset, got {value!r}.")
    return parsed


def read_effective_date(value) -> date | None:
    """`applied_at` (a date or a timestamp) -> its date; a timestamp's in the settings' time zone."""
    if value is None:
        return None
    parsed = None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value) or parse_date(value)
        except ValueError:
            parsed = None
    if isinstance(parsed, datetime):
        try:
            parsed = local_date(parsed) if parsed.tzinfo is not None else parsed.date()
        except OverflowError:
            parsed = date.min
    if parsed is None:
        raise RecordError(f"applied_at must be an ISO-8601 date or timestamp, got {value!r}.")
    if not date_in_range(parsed):
        raise RecordError(f"applied_at: {DATE_RANGE_MESSAGE} Got {value!r}.")
    return parsed


def read_children(record: dict, name: str) -> list:
    value = record.get(name, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f"{name} must be an array.")
    return value
