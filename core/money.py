"""The one definition of money: fields, parsing, and the rounding rule of API.md.

Cent amounts are `Decimal` with two places stored as NUMERIC. An item's *exact* value is kept as an
integer count of `EXACT_UNITS_PER_UNIT` parts of a currency unit, so that
`seconds x hourlyRate / 3600` is never truncated: seconds x rate-in-cents is already an integer in
those units. An adjustment of `a` is `a x 360000` units. Integers sum exactly in every database
(SQLite would hold NUMERIC with eight decimals as a float).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Sum
from django.db.models.expressions import Combinable
from django.db.models.sql.compiler import SQLCompiler

if TYPE_CHECKING:
    from django.db.models.sql.compiler import _AsSqlType

CENT = Decimal("0.01")
# 1 currency unit = 100 cents x 3600 seconds per hour.
EXACT_UNITS_PER_UNIT = 360_000
EXACT_UNITS_PER_CENT = 3_600

MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2


def MoneyField(**kwargs: Any) -> "models.DecimalField[str | float | Decimal | Combinable, Decimal]":  # noqa: N802 - reads like a field class
    """A cent amount: NUMERIC(14, 2)."""
    kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
    return models.DecimalField(**kwargs)


def ExactField(**kwargs: Any) -> "models.BigIntegerField[float | int | str | Combinable, int]":  # noqa: N802
    """An exact value in 1/360000 of a currency unit (see module docstring)."""
    return models.BigIntegerField(**kwargs)


class MoneySum(Sum):
    """SUM of cent amounts, exact on every database.

    SQLite keeps NUMERIC values as floats and sums them as floats (0.10 + 0.20 - 0.30 comes back as
    5.55e-17), so there the cents are summed as whole numbers, which floats hold exactly up to 2^53.
    PostgreSQL sums NUMERIC exactly as it is.
    """

    def __init__(self, expression: str | Combinable, **extra: Any) -> None:
        extra.setdefault("output_field", models.DecimalField(max_digits=20, decimal_places=MONEY_DECIMAL_PLACES))
        super().__init__(expression, **extra)

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any) -> "_AsSqlType":
        return self.as_sql(
            compiler, connection, template="(SUM(ROUND(%(expressions)s * 100)) / 100.0)", **extra_context
        )


def round_exact(units: int) -> Decimal:
    """API.md's round(x) = floor(100x + 1/2) / 100: half up, ties toward +infinity."""
    cents = (units + EXACT_UNITS_PER_CENT // 2) // EXACT_UNITS_PER_CENT
    return Decimal(cents).scaleb(-2).quantize(CENT)


def cents_of_next_item(*, total_before: int, item_units: int) -> Decimal:
    """An item's cents: round(exact total after it) - round(exact total before it)."""
    return round_exact(total_before + item_units) - round_exact(total_before)


def segment_units(*, seconds: int, hourly_rate: Decimal) -> int:
    """Exact value of `seconds` at `hourly_rate` per hour, in exact units."""
    return seconds * int(hourly_rate * 100)


def amount_units(amount: Decimal) -> int:
    """Exact value of a cent amount, in exact units."""
    return int(amount * 100) * EXACT_UNITS_PER_CENT


def parse_money(value: object, *, field: str) -> Decimal:
    """Parse a money value (string or number as written) with at most two decimals.

    Raises ValueError with a message fit for the API.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError('A money amount is required, as a string like "150.00".')
    text = str(value).strip()
    if not text.isascii():  # Decimal reads any Unicode digit (Arabic-Indic 500, say)
        raise ValueError(f'{field} must be written with the digits 0-9, like "150.00".')
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValueError(f'{field} must be a decimal amount like "150.00".') from None
    if not amount.is_finite():
        raise ValueError(f"{field} must be a finite amount.")
    # Beyond NUMERIC(14, 2) (and beyond what quantize can hold: "1e26", 1e400): not an amount.
    if amount and amount.adjusted() >= MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES:
        raise ValueError(f"{field} is too large.")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValueError(f"{field} may have at most two decimals.")
    return amount.quantize(CENT)


def format_money(amount: Decimal) -> str:
    return str(Decimal(amount).quantize(CENT))
