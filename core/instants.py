"""Time is an instant: every duration, comparison and limit is computed in UTC; the zone only names a date.

Why UTC and not "any aware datetime": Python subtracts and compares two datetimes that share a
tzinfo on their wall-clock readings, ignoring `fold`. In `America/New_York` an hour across the
spring-forward then lasts two hours, forty minutes across the fall-back end "before" they start, and
a start in the repeated hour equals the other occurrence of the same wall time. DRF's
`DateTimeField` and Django's forms hand the services exactly such datetimes (converted to the
current zone). Between two zones Python compares instants, except that `==` with a datetime in a
fold or gap is always False (PEP 495), so an identical re-post in the repeated hour would not be
equal to what was stored. In UTC there is no fold and no gap: each of these is right.

The dates the API accepts are bounded (`EARLIEST_DATE`..`LATEST_DATE`) so that every day's first
instant, in every zone, and the day after it, exist as Python datetimes.
"""

from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

# Dates the API accepts (period ends, effective dates, statement bounds, segment work dates): far
# enough from datetime's own limits (years 1 and 9999) that no zone's offset and no "next day" overflows.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)
EARLIEST_INSTANT = datetime.combine(EARLIEST_DATE, time.min, tzinfo=UTC) + timedelta(days=1)
DATE_RANGE_MESSAGE = f"Give a date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}."


def as_instant(value: datetime) -> datetime:
    """The same instant in UTC. A naive datetime names no instant: ValueError."""
    if timezone.is_naive(value):
        raise ValueError("A naive datetime names no instant; give its UTC offset.")
    return value.astimezone(UTC)


def date_in_range(day: date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


def local_date(instant: datetime) -> date:
    """The date of an instant in the settings' time zone (`TIME_ZONE`), whatever zone is active."""
    return instant.astimezone(timezone.get_default_timezone()).date()


def local_today() -> date:
    return local_date(timezone.now())


def local_day_start(day: date) -> datetime:
    """The first instant of `day` in the settings' time zone, in UTC.

    Midnight that a zone skips (a change at 00:00) is read with the offset before the change, which
    zoneinfo maps to the first instant after the gap: still the day's first instant.
    """
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone()).astimezone(UTC)


def local_day_end(day: date) -> datetime:
    """The first instant after `day` in the settings' time zone (an exclusive bound), in UTC."""
    return local_day_start(day + timedelta(days=1))


def month_after(month: date) -> date:
    """The first day of the month after `month`'s."""
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)
