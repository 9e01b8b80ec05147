"""Time zones, durations and limits: every duration and limit (1 s, 24 h, after the start, not in the
future) is computed on instants, across each zone's daylight-saving changes and local midnights (an
hour across a spring-forward is paid one hour), for a recorded and an adjusted segment; and the
reference changes are real offset changes. Zones and helpers: tests/support/time_zones.py.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.api_helpers import new_worklog, post_segment
from tests.support.time_zones import (
    BOUNDARIES,
    CHANGES,
    RATE,
    SPRING_FORWARDS,
    case_id,
    cents,
    clock,
    counts,
    in_zone,
    instant,
    iso,
)
from worklogs.models import Segment

pytestmark = pytest.mark.django_db


def test_the_reference_changes_are_real_offset_changes():
    """Guards CHANGES (tests/support/time_zones.py): each instant is where the zone's offset changes, by an hour."""
    for zone, changes in CHANGES.items():
        for kind, moment in changes.items():
            before = (moment - timedelta(seconds=1)).astimezone(ZoneInfo(zone)).utcoffset()
            after = moment.astimezone(ZoneInfo(zone)).utcoffset()
            assert after - before == timedelta(hours=1 if kind == "spring" else -1), (zone, kind)


@pytest.mark.parametrize("minutes", [40, 60])
@pytest.mark.parametrize("case", BOUNDARIES, ids=case_id)
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


@pytest.mark.parametrize("case", BOUNDARIES, ids=case_id)
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


@pytest.mark.parametrize("case", BOUNDARIES, ids=case_id)
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


@pytest.mark.parametrize("case", BOUNDARIES, ids=case_id)
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
