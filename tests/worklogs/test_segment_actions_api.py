"""Segment actions through the HTTP API: dispute, resolve, remove, adjust; illegal transitions are 409 and
write nothing; the order of answers is 404, then 409 (state), then 400 (body).
"""

import pytest

from settlements.models import Claim
from tests.support.api_helpers import (
    adjust,
    dispute,
    get_segment,
    get_worklog,
    new_worklog,
    record,
    remove,
    resolve,
    segment_action,
    ts,
)
from worklogs.models import Item, Segment

pytestmark = pytest.mark.django_db


def _counts():
    return Segment.objects.count(), Item.objects.count(), Claim.objects.count()


# --- Status transitions -------------------------------------------------------------------------


def test_dispute_resolve_remove_adjust_answer_the_segment_in_its_new_status(api):
    wl = new_worklog(api)
    seg = record(api, wl["id"], ts("2024-10-01", "09:00"), 60)
    assert dispute(api, seg["id"])["status"] == "DISPUTED"
    assert resolve(api, seg["id"], "ACCEPT")["status"] == "ACTIVE"
    assert dispute(api, seg["id"])["status"] == "DISPUTED"
    replacement = adjust(api, seg["id"], ts("2024-10-01", "09:00"), 30)  # a DISPUTED one may be adjusted
    assert replacement["status"] == "ACTIVE"
    assert replacement["id"] != seg["id"]
    assert remove(api, replacement["id"])["status"] == "REMOVED"
    other = record(api, wl["id"], ts("2024-10-02", "09:00"), 60)
    dispute(api, other["id"])
    assert remove(api, other["id"])["status"] == "REMOVED"  # a DISPUTED one may be removed


def _segment_in(api, status):
    wl = new_worklog(api)
    seg = record(api, wl["id"], ts("2024-10-01", "09:00"), 60)
    if status == "DISPUTED":
        dispute(api, seg["id"])
    elif status == "REMOVED":
        remove(api, seg["id"])
    elif status == "SUPERSEDED":
        adjust(api, seg["id"], ts("2024-10-01", "09:00"), 30)
    return seg


ADJUST_BODY = {"startedAt": ts("2024-10-01", "09:00"), "endedAt": ts("2024-10-01", "09:10"), "reason": "fix"}


@pytest.mark.parametrize(
    ("status", "action", "body"),
    [
        ("DISPUTED", "dispute", {"reason": "again"}),
        ("REMOVED", "dispute", {"reason": "late"}),
        ("SUPERSEDED", "dispute", {"reason": "late"}),
        ("ACTIVE", "resolve", {"resolution": "ACCEPT"}),
        ("REMOVED", "resolve", {"resolution": "REMOVE"}),
        ("SUPERSEDED", "resolve", {"resolution": "ACCEPT"}),
        ("REMOVED", "remove", {"reason": "twice"}),
        ("SUPERSEDED", "remove", {"reason": "late"}),
        ("REMOVED", "adjust", ADJUST_BODY),
        ("SUPERSEDED", "adjust", ADJUST_BODY),
    ],
)
def test_illegal_segment_transition_is_409_and_writes_nothing(api, status, action, body):
    seg = _segment_in(api, status)
    assert get_segment(api, seg["id"])["status"] == status
    before = _counts()
    amount_before = get_worklog(api, get_segment(api, seg["id"])["worklogId"])["amount"]
    response = segment_action(api, seg["id"], action, body)
    assert response.status_code == 409, response.content
    assert _counts() == before
    assert get_segment(api, seg["id"])["status"] == status
    assert get_worklog(api, get_segment(api, seg["id"])["worklogId"])["amount"] == amount_before


@pytest.mark.parametrize("action", ["dispute", "remove"])
def test_state_conflict_is_409_even_without_a_reason(api, action):
    seg = _segment_in(api, "REMOVED")
    assert segment_action(api, seg["id"], action, {}).status_code == 409


@pytest.mark.parametrize("action", ["dispute", "remove", "adjust"])
def test_missing_reason_on_a_legal_transition_is_400_and_writes_nothing(api, action):
    seg = _segment_in(api, "ACTIVE")
    body = {k: v for k, v in ADJUST_BODY.items() if k != "reason"} if action == "adjust" else {}
    before = _counts()
    assert segment_action(api, seg["id"], action, body).status_code == 400
    assert _counts() == before
    assert get_segment(api, seg["id"])["status"] == "ACTIVE"


# --- Order of answers on segment actions: 404, then 409 (state), then 400 (body) ----------------


@pytest.mark.parametrize("action", ["dispute", "resolve", "remove", "adjust"])
@pytest.mark.parametrize("body", [{}, {"resolution": "MAYBE", "startedAt": "yesterday"}], ids=["empty", "malformed"])
def test_an_action_on_a_removed_segment_is_409_whatever_the_body_and_writes_nothing(api, action, body):
    wl = new_worklog(api, rate="10.00")
    segment = record(api, wl["id"], ts("2024-10-01"), 30)
    remove(api, segment["id"])
    before = _counts()
    response = segment_action(api, segment["id"], action, body)
    assert response.status_code == 409, response.content
    assert _counts() == before
    assert get_segment(api, segment["id"])["status"] == "REMOVED"


@pytest.mark.parametrize("action", ["dispute", "resolve", "remove", "adjust"])
def test_an_action_on_an_unknown_segment_is_404_even_with_a_bad_body(api, action):
    assert segment_action(api, 99_999_999, action, {}).status_code == 404


def test_a_bad_body_on_an_allowed_action_is_still_400(api):
    wl = new_worklog(api, rate="10.00")
    segment = record(api, wl["id"], ts("2024-10-01"), 30)
    dispute(api, segment["id"])
    assert segment_action(api, segment["id"], "resolve", {}).status_code == 400
    assert segment_action(api, segment["id"], "adjust", {"startedAt": "yesterday"}).status_code == 400
    assert get_segment(api, segment["id"])["status"] == "DISPUTED"
