"""Time is elapsed time in every `TIME_ZONE` (issue 12, section 1), through the HTTP API.

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
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.support.api_helpers import GENERATE, exact_cents, new_worklog, post_segment, remittance_of
from worklogs.models import Item, Segment

pytestmark = pytest.mark.django_db

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


# Each zone's daylight-saving changes (the instant the offset changes), checked below against tzdata.
CHANGES = {
    "Europe/Berlin": {"spring": instant("2026-03-29T01:00:00Z"), "fall": instant("2025-10-26T01:00:00Z")},
    "America/New_York": {"spring": instant("2026-03-08T07:00:00Z"), "fall": instant("2025-11-02T06:00:00Z")},
    "Asia/Tokyo": {},
    "Asia/Kathmandu": {},
}
# Days whose local midnight is a boundary in every zone: the change days, and the first of a month.
DAYS = (date(2025, 10, 26), date(2025, 11, 2), date(2026, 3, 8), date(2026, 3, 29), date(2026, 4, 1))

# (zone, what, instant): every change of every zone, and a local midnight of each zone.
BOUNDARIES = [(zone, kind, moment) for zone, changes in CHANGES.items() for kind, moment in changes.items()] + [
    (zone, "midnight", local_midnight(zone, date(2026, 4, 1))) for zone in ZONES
]
FALL_BACKS = [(zone, changes["fall"]) for zone, changes in CHANGES.items() if "fall" in changes]
SPRING_FORWARDS = [(zone, changes["spring"]) for zone, changes in CHANGES.items() if "spring" in changes]


def _case_id(case) -> str:
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


def test_the_reference_changes_are_real_offset_changes():
    """Guards the table above: each listed instant is where the zone's offset changes, by one hour."""
    for zone, changes in CHANGES.items():
        for kind, moment in changes.items():
            before = (moment - timedelta(seconds=1)).astimezone(ZoneInfo(zone)).utcoffset()
            after = moment.astimezone(ZoneInfo(zone)).utcoffset()
            assert after - before == timedelta(hours=1 if kind == "spring" else -1), (zone, kind)


# --- Durations and limits on instants ---------------------------------------------------------


@pytest.mark.parametrize("minutes", [40, 60])
@pytest.mark.parametrize("case", BOUNDARIES, ids=_case_id)
def test_a_segment_across_a_change_is_paid_its_elapsed_time(api, case, minutes):
    zone, _, boundary = case
    with in_zone(zone):
        worklog = new_worklog(api, rate=RATE)
        start = boundary - timedelta(minutes=minutes // 2)
        end = start + timedelta(minutes=minutes)

        response = post_segment(api, worklog["id"], iso(start, zone), iso(end, zone))

        assert response.status_code == 201, response.content
        body = response.json()
        assert (instant(body["startedAt"]), instant(body["endedAt"])) == (start, end)
        assert body["amount"] == cents(minutes * 60)
        assert Segment.objects.get(pk=body["id"]).seconds == minutes * 60


@pytest.mark.parametrize("case", BOUNDARIES, ids=_case_id)
def test_24_hours_across_a_change_are_24_elapsed_hours(api, case):
    zone, _, boundary = case
    with in_zone(zone):
        for seconds, expected in ((86_399, 201), (86_400, 201), (86_401, 400)):
            worklog = new_worklog(api, rate=RATE)
            start = boundary - timedelta(hours=12)
            before = counts()

            response = post_segment(api, worklog["id"], iso(start), iso(start + timedelta(seconds=seconds)))

            assert response.status_code == expected, (seconds, response.content)
            if expected == 201:
                assert response.json()["amount"] == cents(seconds)
            else:
                assert counts() == before


@pytest.mark.parametrize("case", BOUNDARIES, ids=_case_id)
def test_one_second_is_the_shortest_segment_and_an_end_at_or_before_the_start_is_refused(api, case):
    zone, _, boundary = case
    with in_zone(zone):
        worklog = new_worklog(api, rate=RATE)
        for seconds in (0, -1):
            before = counts()
            end = boundary + timedelta(seconds=seconds)
            response = post_segment(api, worklog["id"], iso(boundary, zone), iso(end, zone))
            assert response.status_code == 400, response.content
            assert counts() == before
        response = post_segment(api, worklog["id"], iso(boundary, zone), iso(boundary + timedelta(seconds=1), zone))
        assert response.status_code == 201, response.content
        assert Segment.objects.get(pk=response.json()["id"]).seconds == 1


@pytest.mark.parametrize("case", BOUNDARIES, ids=_case_id)
def test_not_in_the_future_is_measured_on_instants(api, case):
    zone, _, boundary = case
    with in_zone(zone), clock(boundary):
        worklog = new_worklog(api, rate=RATE)
        start = boundary - timedelta(hours=1)
        late = post_segment(api, worklog["id"], iso(start, zone), iso(boundary + timedelta(seconds=301), zone))
        assert late.status_code == 400, late.content
        assert Segment.objects.count() == 0
        ok = post_segment(api, worklog["id"], iso(start, zone), iso(boundary + timedelta(seconds=300), zone))
        assert ok.status_code == 201, ok.content


@pytest.mark.parametrize(("zone", "spring"), SPRING_FORWARDS)
def test_an_adjusted_segment_across_the_spring_forward_is_paid_its_elapsed_time(api, zone, spring):
    with in_zone(zone):
        worklog = new_worklog(api, rate=RATE)
        first = post_segment(
            api, worklog["id"], iso(spring - timedelta(days=2)), iso(spring - timedelta(days=2, hours=-1))
        )
        assert first.status_code == 201, first.content
        body = {
            "startedAt": iso(spring - timedelta(minutes=30), zone),
            "endedAt": iso(spring + timedelta(minutes=30), zone),
            "reason": "corrected",
        }
        response = api.post(f"/api/segments/{first.json()['id']}/adjust/", body, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["amount"] == "10.00"
        assert api.get(f"/api/worklogs/{worklog['id']}/").json()["amount"] == "10.00"


# --- The repeated (fall-back) hour --------------------------------------------------------------


@pytest.mark.parametrize(("zone", "fall"), FALL_BACKS)
def test_a_start_in_the_repeated_hour_is_the_instant_posted(api, zone, fall):
    """The second occurrence of a wall time is stored as that instant, not the first one."""
    with in_zone(zone):
        worklog = new_worklog(api, rate=RATE)
        second = (fall + timedelta(minutes=10), fall + timedelta(minutes=40))  # after the change
        first = (fall - timedelta(minutes=50), fall - timedelta(minutes=20))  # same wall times, before it
        assert [t.astimezone(ZoneInfo(zone)).strftime("%H:%M") for t in second] == [
            t.astimezone(ZoneInfo(zone)).strftime("%H:%M") for t in first
        ]

        late = post_segment(api, worklog["id"], iso(second[0], zone), iso(second[1], zone), externalId="late")
        early = post_segment(api, worklog["id"], iso(first[0], zone), iso(first[1], zone), externalId="early")

        assert (late.status_code, early.status_code) == (201, 201), (late.content, early.content)
        stored = {s.external_id: (s.started_at, s.ended_at, s.seconds) for s in Segment.objects.all()}
        assert stored == {"late": (*second, 1800), "early": (*first, 1800)}
        for response, span in ((late, second), (early, first)):
            shown = api.get(f"/api/segments/{response.json()['id']}/").json()
            assert (instant(shown["startedAt"]), instant(shown["endedAt"])) == span
            assert shown["workDate"] == fall.astimezone(ZoneInfo(zone)).date().isoformat()
            assert shown["amount"] == "5.00"


@pytest.mark.parametrize("notation", ["local", "utc"])
@pytest.mark.parametrize(("zone", "fall"), FALL_BACKS)
def test_an_identical_repost_in_the_repeated_hour_is_200_with_the_same_segment(api, zone, fall, notation):
    with in_zone(zone):
        worklog = new_worklog(api, rate=RATE)
        start, end = fall + timedelta(minutes=5), fall + timedelta(minutes=35)
        created = post_segment(api, worklog["id"], iso(start, zone), iso(end, zone), externalId="tt-1")
        assert created.status_code == 201, created.content
        before = counts()

        again = post_segment(
            api, worklog["id"], iso(start, zone if notation == "local" else None), iso(end), externalId="tt-1"
        )

        assert again.status_code == 200, again.content
        assert again.json()["id"] == created.json()["id"]
        assert counts() == before


@pytest.mark.parametrize(("zone", "fall"), FALL_BACKS)
def test_an_end_before_the_start_inside_the_repeated_hour_is_refused(api, zone, fall):
    """Start 10 min after the change, end 10 min before it: on the wall clock the end is 40 min later."""
    with in_zone(zone):
        worklog = new_worklog(api, rate=RATE)
        start, end = fall + timedelta(minutes=10), fall - timedelta(minutes=10)
        assert end.astimezone(ZoneInfo(zone)).replace(tzinfo=None) > start.astimezone(ZoneInfo(zone)).replace(
            tzinfo=None
        )
        response = post_segment(api, worklog["id"], iso(start, zone), iso(end, zone))
        assert response.status_code == 400, response.content
        assert counts() == (0, 0)


@pytest.mark.parametrize(("zone", "fall"), FALL_BACKS)
def test_segments_in_the_two_occurrences_of_the_repeated_hour_overlap_only_as_instants(api, zone, fall):
    with in_zone(zone):
        worklog = new_worklog(api, rate=RATE)
        spanning = post_segment(api, worklog["id"], iso(fall - timedelta(minutes=30), zone), iso(fall, zone))
        assert spanning.status_code == 201, spanning.content
        # The same wall times an hour later (after the change) are other instants: no overlap.
        later = post_segment(
            api, worklog["id"], iso(fall + timedelta(minutes=30), zone), iso(fall + timedelta(hours=1))
        )
        assert later.status_code == 201, later.content
        before = counts()
        clash = post_segment(api, worklog["id"], iso(fall - timedelta(minutes=1)), iso(fall + timedelta(minutes=1)))
        assert clash.status_code == 409, clash.content
        assert counts() == before


# --- Dates: work dates, default period end, statements, run inclusion --------------------------


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
