"""Time is elapsed time in every `TIME_ZONE` (issue 12, section 1): the zones, reference instants and
helpers of the tests/scenarios/test_time_zones_*.py modules, which check it through the HTTP API.

Each test runs with `TIME_ZONE` set to a zone with DST in each hemisphere's sense of the calendar
(Europe/Berlin, America/New_York), one without (Asia/Tokyo) and one with an odd offset
(Asia/Kathmandu, +05:45), and with that zone active, as in a request. The reference instants and
local midnights are computed here with zoneinfo, independently of the product's code.

What must hold: every duration, overlap, comparison and limit (1 s, 24 h, after start, not in the
future) is computed on instants; an instant is stored exactly as posted (a start in the repeated
fall-back hour is that instant); the work date is the date of startedAt in TIME_ZONE; and the
default period end, statements and run inclusion follow local dates.
"""

from contextlib import contextmanager
from datetime import UTC, date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.support.api_helpers import exact_cents
from worklogs.models import Item, Segment

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Asia/Kathmandu")
RATE = "10.00"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)


def iso(moment: datetime, zone: str | None = None) -> str:
    """An instant written in UTC (`Z`) or with the local offset of `zone`."""
    if zone is None:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.astimezone(ZoneInfo(zone)).isoformat()


def local_midnight(zone: str, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).astimezone(UTC)


# Each zone's daylight-saving changes (the instant the offset changes), checked against tzdata by
# tests/scenarios/test_time_zones_durations.py.
CHANGES = {
    "Europe/Berlin": {"spring": instant("2026-03-29T01:00:00Z"), "fall": instant("2025-10-26T01:00:00Z")},
    "America/New_York": {"spring": instant("2026-03-08T07:00:00Z"), "fall": instant("2025-11-02T06:00:00Z")},
    "Asia/Tokyo": {},
    "Asia/Kathmandu": {},
}
# (zone, what, instant): every change of every zone, and a local midnight of each zone.
BOUNDARIES = [(zone, kind, moment) for zone, changes in CHANGES.items() for kind, moment in changes.items()] + [
    (zone, "midnight", local_midnight(zone, date(2026, 4, 1))) for zone in ZONES
]
FALL_BACKS = [(zone, changes["fall"]) for zone, changes in CHANGES.items() if "fall" in changes]
SPRING_FORWARDS = [(zone, changes["spring"]) for zone, changes in CHANGES.items() if "spring" in changes]


def case_id(case) -> str:
    """The test id of a BOUNDARIES case."""
    zone, kind, moment = case
    return f"{zone}-{kind}-{moment:%Y%m%dT%H%MZ}"


@contextmanager
def clock(moment: datetime):
    """Every service's clock (and the ledger's, and auto_now) reads `moment`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        yield


@contextmanager
def in_zone(zone: str):
    """TIME_ZONE = zone, and the zone active as in a request; the clock after every instant used here."""
    with override_settings(TIME_ZONE=zone), timezone.override(ZoneInfo(zone)), clock(NOW):
        yield


def cents(seconds: int, rate: str = RATE) -> str:
    return str(exact_cents([Fraction(seconds) * Fraction(rate) / 3600])[0])


def counts() -> tuple[int, int]:
    return Segment.objects.count(), Item.objects.count()
