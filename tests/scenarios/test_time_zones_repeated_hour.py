"""Time zones, the repeated (fall-back) hour: a start in it is stored as the instant posted (not the
first occurrence of that wall time), an identical repost is 200 with the same segment, and ends,
overlaps and comparisons inside it are decided on instants. Zones and helpers:
tests/support/time_zones.py.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.api_helpers import new_worklog, post_segment
from tests.support.time_zones import FALL_BACKS, RATE, counts, in_zone, instant, iso
from worklogs.models import Segment

pytestmark = pytest.mark.django_db


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
