"""Input fields shared by the API's serializers and filters: strict money, instants, dates and ids.

Each field accepts one way of writing its value and refuses the rest with a 400, rather than
letting Python's lenient conversions through: `int(61.9)` is 61, `int(True)` is 1, `int()` and
`Decimal()` read any Unicode digit (Arabic-Indic "\u0665\u0660\u0660" is 500), and so does Django's
date parsing.
"""

import re
from datetime import UTC
from typing import TypedDict

from django import forms
from django.core.exceptions import ValidationError
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.ids import ID_PATTERN, MAX_ID
from core.instants import DATE_RANGE_MESSAGE, date_in_range

MONEY_PATTERN = re.compile(r"-?[0-9]+(\.[0-9]{1,2})?")
OFFSET_PATTERN = re.compile(r".*(Z|z|[+-][0-9]{2}:?[0-9]{2})")
# The routers' id segment: ASCII digits only (Django would read /api/workers/\u0661/ as worker 1).
ID_IN_PATH = "[0-9]+"
ID_MESSAGE = f"An id is a whole number from 1 to {MAX_ID}, written with the digits 0-9."


class MoneyDigits(TypedDict):
    """A money amount's `max_digits` and `decimal_places`, spread into a serializer's DecimalField."""

    max_digits: int
    decimal_places: int


@extend_schema_field({"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]{1,2})?$", "example": "150.00"})
class MoneyInputField(serializers.DecimalField):
    """A money amount as written: the digits 0-9, an optional sign and at most two decimals.

    Python's Decimal also reads "1_000", "1e3", " NaN " and Arabic-Indic digits; none of these is money.
    """

    default_error_messages = {"money": 'Enter an amount like "150.00": digits 0-9 and at most two decimals.'}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not MONEY_PATTERN.fullmatch(str(data).strip()):
            self.fail("money")
        return super().to_internal_value(data)


class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO-8601 timestamp that states its UTC offset (API.md); a local time is ambiguous.

    Read as a UTC instant (core/instants.py), never converted to the server's zone, so nothing
    downstream can subtract or compare it on wall-clock time. Written in `TIME_ZONE`, as before.
    """

    default_error_messages = {
        "offset": "Give the UTC offset, e.g. 2026-10-01T09:00:00Z or +02:00.",
        "ascii": "Write the timestamp with the digits 0-9.",
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            if not value.isascii():
                self.fail("ascii")
            if not OFFSET_PATTERN.fullmatch(value.strip()):
                self.fail("offset")
        parsed = super().to_internal_value(value)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            self.fail("overflow")


class DayField(serializers.DateField):
    """A `YYYY-MM-DD` date in the range every date computation supports (core/instants.py)."""

    default_error_messages = {"range": DATE_RANGE_MESSAGE, "ascii": "Write the date as YYYY-MM-DD with the digits 0-9."}

    def to_internal_value(self, value):
        if isinstance(value, str) and not value.isascii():
            self.fail("ascii")
        day = super().to_internal_value(value)
        if not date_in_range(day):
            self.fail("range")
        return day


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdField(serializers.Field):
    """An id: a JSON integer (or a string of the digits 0-9) from 1 to 2^63 - 1.

    Refused: `61.9` (which `int()` would truncate to another row's id), `true`, non-ASCII digits, `1e2`.
    """

    default_error_messages = {"id": ID_MESSAGE}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("id")
        if isinstance(data, str) and not ID_PATTERN.fullmatch(data):
            self.fail("id")
        value = int(data)
        if not 1 <= value <= MAX_ID:
            self.fail("id")
        return value

    def to_representation(self, value):
        return int(value)


def RelatedIdField(queryset, **kwargs) -> serializers.PrimaryKeyRelatedField:  # noqa: N802 - reads like a field
    """A reference to a row by its id, read strictly (`IdField`) before the row is looked up."""
    return serializers.PrimaryKeyRelatedField(queryset=queryset, pk_field=IdField(), **kwargs)


# --- Filters (query parameters) -------------------------------------------------------------


class IdFormField(forms.Field):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not ID_PATTERN.fullmatch(value) or not 1 <= int(value) <= MAX_ID:
            raise ValidationError(ID_MESSAGE, code="id")
        return int(value)


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class StrictIdFilter(filters.Filter):
    field_class = IdFormField


def IdFilter(field_name: str) -> StrictIdFilter:  # noqa: N802 - reads like a filter class
    """A filter on an id: the digits 0-9, from 1 to 2^63 - 1 (`?workerId=1.5` is 400, not worker 1)."""
    return StrictIdFilter(field_name=field_name)


class DayFormField(forms.DateField):
    def to_python(self, value):
        if isinstance(value, str) and not value.isascii():
            raise ValidationError("Write the date as YYYY-MM-DD with the digits 0-9.", code="ascii")
        day = super().to_python(value)
        if day is not None and not date_in_range(day):
            raise ValidationError(DATE_RANGE_MESSAGE, code="range")
        return day


class DayFilter(filters.DateFilter):
    """A filter on a date, with `DayField`'s rules."""

    field_class = DayFormField


class ExternalIdField(serializers.CharField):
    """A source system's own id of a row: a JSON string (a number is refused rather than guessed at:
    `5`, `5.0` and `"5"` would all be one id), not blank, at most the column's length."""

    default_error_messages = {"string": "Give the external id as a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("string")
        return super().to_internal_value(data)
