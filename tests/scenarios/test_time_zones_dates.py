"""Time zones, dates: the work date is the date of startedAt in TIME_ZONE (whatever zone is active), and
the default period end, a run's inclusion of segments and a statement's days (23 hours on a
spring-forward day) follow local dates. Zones and helpers: tests/support/time_zones.py.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.support.api_helpers import GENERATE, new_worklog, post_segment, remittance_of
from tests.support.time_zones import CHANGES, RATE, ZONES, cents, clock, in_zone, iso, local_midnight

pytestmark = pytest.mark.django_db

# Days whose local midnight is a boundary in every zone: the change days, and the first of a month.
DAYS = (date(2025, 10, 26), date(2025, 11, 2), date(2026, 3, 8), date(2026, 3, 29), date(2026, 4, 1))


@pytest.mark.parametrize("day", DAYS, ids=str)
@pytest.mark.parametrize("zone", ZONES)
def test_the_work_date_is_the_local_date_of_the_start(api, zone, day):
    with in_zone(zone):
        worklog = new_worklog(api, rate=RATE)
        midnight = local_midnight(zone, day)
        before = post_segment(api, worklog["id"], iso(midnight - timedelta(seconds=60)), iso(midnight))
        at = post_segment(api, worklog["id"], iso(midnight), iso(midnight + timedelta(seconds=60)))
        assert (before.status_code, at.status_code) == (201, 201), (before.content, at.content)
        assert before.json()["workDate"] == (day - timedelta(days=1)).isoformat()
        assert at.json()["workDate"] == day.isoformat()


@pytest.mark.parametrize("zone", ZONES)
def test_the_work_date_follows_time_zone_whatever_zone_is_active(api, zone):
    other = "Pacific/Kiritimati" if zone != "Pacific/Kiritimati" else "UTC"  # +14:00: another date
    midnight = local_midnight(zone, date(2026, 4, 1))
    with override_settings(TIME_ZONE=zone), timezone.override(ZoneInfo(other)):
        worklog = new_worklog(api, rate=RATE)
        response = post_segment(api, worklog["id"], iso(midnight - timedelta(minutes=1)), iso(midnight))
        assert response.status_code == 201, response.content
        assert response.json()["workDate"] == "2026-03-31"


@pytest.mark.parametrize("active", ["same", "other"])
@pytest.mark.parametrize("zone", ZONES)
def test_the_default_period_end_is_the_last_day_of_the_previous_local_month(api, zone, active):
    """Without periodEnd, generate settles up to the end of the month before today in TIME_ZONE."""
    midnight = local_midnight(zone, date(2026, 4, 1))
    active_zone = ZoneInfo(zone) if active == "same" else ZoneInfo("Pacific/Kiritimati")
    with override_settings(TIME_ZONE=zone), timezone.override(active_zone):
        for now, expected in ((midnight - timedelta(seconds=1), "2026-02-28"), (midnight, "2026-03-31")):
            with clock(now):
                response = api.post(GENERATE, {}, format="json")
            assert response.status_code == 201, response.content
            assert response.json()["periodEnd"] == expected, now


def _change_day(zone: str) -> date:
    """The zone's spring-forward day (a 23-hour day), or 29 March 2026 in a zone without DST."""
    spring = CHANGES[zone].get("spring")
    return spring.astimezone(ZoneInfo(zone)).date() if spring else date(2026, 3, 29)


@pytest.mark.parametrize("zone", ZONES)
def test_a_run_takes_the_segments_whose_local_work_date_is_due(api, zone):
    with in_zone(zone):
        day = _change_day(zone)
        midnight = local_midnight(zone, day)
        worklog = new_worklog(api, rate=RATE)
        # Starts 30 min before local midnight: work date the day before, one hour.
        eve = post_segment(
            api, worklog["id"], iso(midnight - timedelta(minutes=30)), iso(midnight + timedelta(minutes=30))
        )
        # One hour across the change (or at 02:30 local), work date `day`.
        middle = CHANGES[zone].get("spring", midnight + timedelta(hours=3))
        on_day = post_segment(
            api, worklog["id"], iso(middle - timedelta(minutes=30)), iso(middle + timedelta(minutes=30))
        )
        assert (eve.status_code, on_day.status_code) == (201, 201), (eve.content, on_day.content)
        assert (eve.json()["workDate"], on_day.json()["workDate"]) == (str(day - timedelta(days=1)), str(day))

        runs = [api.post(GENERATE, {"periodEnd": str(day + timedelta(days=n))}, format="json") for n in (-2, -1, 0)]

        assert [r.status_code for r in runs] == [201, 201, 201]
        paid = [remittance_of(r.json(), worklog["workerId"]) for r in runs]
        assert paid[0] is None
        assert [p["amount"] for p in paid[1:]] == ["10.00", "10.00"]
        assert api.get(f"/api/worklogs/{worklog['id']}/").json()["amount"] == "20.00"


@pytest.mark.parametrize("zone", ZONES)
def test_statement_bounds_are_local_days(api, zone):
    """Lines are dated in TIME_ZONE; from/to cover whole local days (23 hours on a spring-forward day)."""
    with in_zone(zone):
        day = _change_day(zone)
        start, end = local_midnight(zone, day), local_midnight(zone, day + timedelta(days=1))
        worklog = new_worklog(api, rate=RATE)
        moments = [start - timedelta(seconds=1), start, end - timedelta(seconds=1), end]
        for n, now in enumerate(moments):
            with clock(now):
                began = start - timedelta(days=3) + timedelta(hours=n)
                response = post_segment(api, worklog["id"], iso(began), iso(began + timedelta(minutes=6 * (n + 1))))
                assert response.status_code == 201, response.content
        amounts = [cents(6 * 60 * (n + 1)) for n in range(4)]  # 1.00, 2.00, 3.00, 4.00
        url = f"/api/workers/{worklog['workerId']}/statement/"

        whole_day = api.get(url, {"from": str(day), "to": str(day)}).json()
        assert [(line["date"], line["amount"]) for line in whole_day["lines"]] == [
            (str(day), amounts[1]),
            (str(day), amounts[2]),
        ]
        assert whole_day["opening"] == amounts[0]
        day_before = api.get(url, {"to": str(day - timedelta(days=1))}).json()
        assert [(line["date"], line["amount"]) for line in day_before["lines"]] == [
            (str(day - timedelta(days=1)), amounts[0])
        ]
        day_after = api.get(url, {"from": str(day + timedelta(days=1))}).json()
        assert [(line["date"], line["amount"]) for line in day_after["lines"]] == [
            (str(day + timedelta(days=1)), amounts[3])
        ]
