"""Segments through the HTTP API: recording and its validation, overlap, externalId replay, the list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from settlements.models import Claim
from tests.support.api_helpers import (
    adjust,
    create_task,
    create_worklog,
    dispute,
    get_segment,
    get_worklog,
    new_worklog,
    plus_minutes,
    post_segment,
    record,
    remove,
    segment_action,
    ts,
)
from worklogs.models import Item, Segment

pytestmark = pytest.mark.django_db


def _iso(moment) -> str:
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _counts():
    return Segment.objects.count(), Item.objects.count(), Claim.objects.count()


# --- Recording and validation (400) ---------------------------------------------------------------


def test_record_answers_201_with_the_contract_fields(api):
    wl = new_worklog(api, rate="12.00")
    response = post_segment(api, wl["id"], ts("2024-10-01", "09:00"), ts("2024-10-01", "09:30"), note="standup")
    assert response.status_code == 201
    body = response.json()
    assert {"id", "worklogId", "startedAt", "endedAt", "hourlyRate", "amount", "status"} <= body.keys()
    expected = (wl["id"], "12.00", "6.00", "ACTIVE")
    assert (body["worklogId"], body["hourlyRate"], body["amount"], body["status"]) == expected


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (ts("2024-10-01", "10:00"), ts("2024-10-01", "10:00")),  # zero length
        (ts("2024-10-01", "10:00"), ts("2024-10-01", "09:00")),  # ends before it starts
        (ts("2024-10-01", "09:00"), ts("2024-10-02", "09:00", 1)),  # 24 h and one second
    ],
    ids=["equal", "reversed", "over-24h"],
)
def test_invalid_span_is_400_and_writes_nothing(api, start, end):
    wl = new_worklog(api)
    before = _counts()
    response = post_segment(api, wl["id"], start, end)
    assert response.status_code == 400, response.content
    assert _counts() == before


def test_exactly_24_hours_is_accepted(api):
    wl = new_worklog(api, rate="10.00")
    seg = record(api, wl["id"], ts("2024-10-01", "00:00"), 24 * 60)
    assert seg["amount"] == "240.00"


def test_segment_ending_in_the_future_beyond_skew_is_400(api):
    wl = new_worklog(api)
    now = timezone.now()
    before = _counts()
    response = post_segment(api, wl["id"], _iso(now - timedelta(minutes=30)), _iso(now + timedelta(minutes=30)))
    assert response.status_code == 400
    assert _counts() == before


def test_segment_ending_just_now_within_clock_skew_is_accepted(api):
    wl = new_worklog(api)
    now = timezone.now()
    response = post_segment(api, wl["id"], _iso(now - timedelta(minutes=30)), _iso(now + timedelta(seconds=60)))
    assert response.status_code == 201, response.content


def test_years_old_segment_is_accepted(api):
    wl = new_worklog(api, rate="10.00")
    assert record(api, wl["id"], ts("2003-02-14"), 60)["amount"] == "10.00"


def test_the_201_answer_is_the_segment_as_it_reads_back(api):
    wl = new_worklog(api, rate="45.39")
    response = post_segment(api, wl["id"], "2024-10-01T11:00:00+02:00", "2024-10-01T11:10:00+02:00", note="call")
    assert response.status_code == 201
    body = response.json()
    assert body == get_segment(api, body["id"])
    assert (body["startedAt"], body["endedAt"], body["amount"]) == (
        "2024-10-01T09:00:00Z",
        "2024-10-01T09:10:00Z",
        "7.57",
    )


# --- Overlap (409) ------------------------------------------------------------------------------


def test_overlap_with_active_segment_is_409_and_writes_nothing(api):
    wl = new_worklog(api)
    record(api, wl["id"], ts("2024-10-01", "09:00"), 60)
    before = _counts()
    response = post_segment(api, wl["id"], ts("2024-10-01", "09:59"), ts("2024-10-01", "11:00"))
    assert response.status_code == 409
    assert _counts() == before


def test_overlap_with_disputed_segment_is_409(api):
    wl = new_worklog(api)
    seg = record(api, wl["id"], ts("2024-10-01", "09:00"), 60)
    dispute(api, seg["id"])
    response = post_segment(api, wl["id"], ts("2024-10-01", "08:30"), ts("2024-10-01", "09:30"))
    assert response.status_code == 409


def test_overlap_across_the_same_workers_other_worklog_is_409(api):
    wl = new_worklog(api)
    other = create_worklog(api, worker_id=wl["workerId"], task_id=create_task(api)["id"])
    record(api, wl["id"], ts("2024-10-01", "09:00"), 60)
    response = post_segment(api, other["id"], ts("2024-10-01", "09:15"), ts("2024-10-01", "09:45"))
    assert response.status_code == 409


def test_different_workers_may_overlap_and_adjacent_segments_do_not(api):
    a = new_worklog(api)
    b = new_worklog(api)
    record(api, a["id"], ts("2024-10-01", "09:00"), 60)
    record(api, b["id"], ts("2024-10-01", "09:00"), 60)
    record(api, a["id"], ts("2024-10-01", "10:00"), 60)  # starts exactly when the first ends


@pytest.mark.parametrize("retire", ["remove", "adjust"])
def test_removed_or_superseded_segment_does_not_block_new_time(api, retire):
    wl = new_worklog(api)
    seg = record(api, wl["id"], ts("2024-10-01", "09:00"), 60)
    if retire == "remove":
        remove(api, seg["id"])
    else:
        adjust(api, seg["id"], ts("2024-10-01", "13:00"), 60)
    record(api, wl["id"], ts("2024-10-01", "09:00"), 60)


def test_adjust_may_overlap_the_segment_it_supersedes(api):
    wl = new_worklog(api, rate="10.00")
    seg = record(api, wl["id"], ts("2024-10-01", "09:00"), 60)
    replacement = adjust(api, seg["id"], ts("2024-10-01", "09:30"), 60)
    assert replacement["status"] == "ACTIVE"
    assert replacement["amount"] == "10.00"
    assert get_segment(api, seg["id"])["status"] == "SUPERSEDED"


def test_adjust_overlapping_another_live_segment_is_409_and_writes_nothing(api):
    wl = new_worklog(api)
    seg = record(api, wl["id"], ts("2024-10-01", "09:00"), 60)
    record(api, wl["id"], ts("2024-10-01", "11:00"), 60)
    before = _counts()
    response = segment_action(
        api,
        seg["id"],
        "adjust",
        {"startedAt": ts("2024-10-01", "10:30"), "endedAt": ts("2024-10-01", "11:30"), "reason": "x"},
    )
    assert response.status_code == 409
    assert _counts() == before
    assert get_segment(api, seg["id"])["status"] == "ACTIVE"


# --- externalId replay ----------------------------------------------------------------------------


def test_external_id_replay_with_same_fields_answers_200_with_the_same_segment(api):
    wl = new_worklog(api, rate="10.00")
    start, end = ts("2024-10-01", "09:00"), ts("2024-10-01", "10:00")
    first = post_segment(api, wl["id"], start, end, externalId="tt-1", note="n")
    assert first.status_code == 201
    before = _counts()
    again = post_segment(api, wl["id"], start, end, externalId="tt-1", note="n")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["amount"] == "10.00"
    assert _counts() == before
    assert get_worklog(api, wl["id"])["amount"] == "10.00"


def test_external_id_replay_with_different_fields_is_409_and_writes_nothing(api):
    wl = new_worklog(api)
    start = ts("2024-10-01", "09:00")
    assert post_segment(api, wl["id"], start, plus_minutes(start, 60), externalId="tt-2").status_code == 201
    before = _counts()
    other_start = ts("2024-10-02", "09:00")
    response = post_segment(api, wl["id"], other_start, plus_minutes(other_start, 60), externalId="tt-2")
    assert response.status_code == 409
    assert _counts() == before


def test_external_id_is_unique_per_worklog_not_globally(api):
    a = new_worklog(api)
    b = new_worklog(api)
    start = ts("2024-10-01", "09:00")
    assert post_segment(api, a["id"], start, plus_minutes(start, 60), externalId="same").status_code == 201
    assert post_segment(api, b["id"], start, plus_minutes(start, 60), externalId="same").status_code == 201


# --- The list -------------------------------------------------------------------------------------


def test_segments_of_a_worklog_are_listed_in_id_order(api):
    wl = new_worklog(api)
    ids = [record(api, wl["id"], ts("2024-10-0" + str(d)), 30)["id"] for d in (3, 1, 2)]
    response = api.get(f"/api/worklogs/{wl['id']}/segments/")
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["results"]] == sorted(ids)
