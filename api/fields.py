"""Input fields shared by the API's serializers and filters: strict money, timestamps with offsets, ids."""

import re
from typing import TypedDict

from django_filters import rest_framework as filters
from rest_framework import serializers

MONEY_PATTERN = re.compile(r"-?\d+(\.\d{1,2})?")
OFFSET_PATTERN = re.compile(r".*(Z|z|[+-]\d{2}:?\d{2})$")
MAX_ID = 2**63 - 1


class MoneyDigits(TypedDict):
    """A money amount's `max_digits` and `decimal_places`, spread into a serializer's DecimalField."""

    max_digits: int
    decimal_places: int


class MoneyInputField(serializers.DecimalField):
    """A money amount as written: digits, an optional sign and at most two decimals.

    Python's Decimal also reads "1_000", "1e3" and " NaN "; none of these is money.
    """

    default_error_messages = {"money": 'Enter an amount like "150.00": digits and at most two decimals.'}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not MONEY_PATTERN.fullmatch(str(data).strip()):
            self.fail("money")
        return super().to_internal_value(data)


class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO-8601 timestamp that states its UTC offset (API.md); a local time is ambiguous."""

    default_error_messages = {"offset": "Give the UTC offset, e.g. 2026-10-01T09:00:00Z or +02:00."}

    def to_internal_value(self, value):
        if isinstance(value, str) and not OFFSET_PATTERN.fullmatch(value.strip()):
            self.fail("offset")
        return super().to_internal_value(value)


def IdFilter(field_name: str) -> filters.NumberFilter:  # noqa: N802 - reads like a filter class
    """A filter on an id, refusing values no id can have (instead of overflowing the database)."""
    return filters.NumberFilter(field_name=field_name, min_value=1, max_value=MAX_ID)
