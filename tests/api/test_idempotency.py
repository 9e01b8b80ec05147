"""`Idempotency-Key` on the POSTs that create money: segments, adjustments, generate."""

import pytest

from ledger.models import JournalEntry
from settlements.models import Claim, Remittance, SettlementRun
from tests.support.api_helpers import GENERATE, get_worklog, new_worklog, record, remove, ts
from tests.support.factories import FinanceUserFactory
from worklogs.models import Adjustment, Item, Segment

pytestmark = pytest.mark.django_db


def _counts():
    return tuple(m.objects.count() for m in (Segment, Item, Adjustment, Remittance, Claim, SettlementRun, JournalEntry))


def _post(client, path, body, key):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def endpoints(api):
    """(path, body, other body) for each money-creating POST, on a fresh worklog with October work."""
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-01"), 60)
    seg_path = f"/api/worklogs/{wl['id']}/segments/"
    return {
        "segment": (
            seg_path,
            {"startedAt": ts("2024-10-02"), "endedAt": ts("2024-10-02", "10:00")},
            {"startedAt": ts("2024-10-03"), "endedAt": ts("2024-10-03", "10:00")},
        ),
        "adjustment": (
            "/api/adjustments/",
            {"worklogId": wl["id"], "amount": "-2.00", "reason": "late"},
            {"worklogId": wl["id"], "amount": "-3.00", "reason": "late"},
        ),
        "generate": (GENERATE, {"periodEnd": "2024-10-31"}, {"periodEnd": "2024-11-30"}),
    }


KINDS = ["segment", "adjustment", "generate"]


@pytest.mark.parametrize("kind", KINDS)
def test_same_key_same_body_replays_status_and_body_and_creates_nothing(api, endpoints, kind):
    path, body, _ = endpoints[kind]
    first = _post(api, path, body, f"k-{kind}")
    assert first.status_code == 201, first.content
    before = _counts()
    again = _post(api, path, body, f"k-{kind}")
    assert again.status_code == first.status_code
    assert again.json() == first.json()
    assert _counts() == before


@pytest.mark.parametrize("kind", KINDS)
def test_same_key_other_body_is_409_and_creates_nothing(api, endpoints, kind):
    path, body, other = endpoints[kind]
    assert _post(api, path, body, "k1").status_code == 201
    before = _counts()
    assert _post(api, path, other, "k1").status_code == 409
    assert _counts() == before


@pytest.mark.parametrize("kind", KINDS)
def test_without_a_key_each_post_is_a_new_request(api, endpoints, kind):
    path, body, other = endpoints[kind]
    assert api.post(path, body, format="json").status_code == 201
    # The other body avoids a segment overlap; generate for the same period again still answers 201.
    assert api.post(path, other if kind == "segment" else body, format="json").status_code == 201


def test_generate_replay_does_not_run_again_after_new_work(api, endpoints):
    path, body, _ = endpoints["generate"]
    first = _post(api, path, body, "gen-1")
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-05"), 60)
    before = _counts()
    again = _post(api, path, body, "gen-1")
    assert again.json() == first.json()
    assert _counts() == before


@pytest.mark.parametrize("kind", ["segment", "adjustment", "generate"])
def test_rejected_request_is_not_stored_and_may_be_retried_with_the_same_key(api, endpoints, kind):
    path, body, _ = endpoints[kind]
    bad = {
        "segment": lambda: {**body, "endedAt": body["startedAt"]},
        "adjustment": lambda: {**body, "amount": "0.00"},
        "generate": lambda: {"periodEnd": "2024-13-45"},
    }[kind]()
    before = _counts()
    assert _post(api, path, bad, "retry-me").status_code == 400
    assert _counts() == before
    assert _post(api, path, body, "retry-me").status_code == 201


def test_conflict_409_is_not_stored_either(api, endpoints):
    path, body, _ = endpoints["segment"]
    blocker = record(api, int(path.split("/")[3]), body["startedAt"], 30)
    assert _post(api, path, body, "after-conflict").status_code == 409
    remove(api, blocker["id"])
    assert _post(api, path, body, "after-conflict").status_code == 201


def test_keys_are_scoped_to_the_user(api, make_client, endpoints):
    path, body, other = endpoints["adjustment"]
    someone_else = make_client(FinanceUserFactory())
    assert _post(api, path, body, "shared").status_code == 201
    second = _post(someone_else, path, other, "shared")
    assert second.status_code == 201
    assert second.json()["amount"] == "-3.00"
    assert get_worklog(api, body["worklogId"])["amount"] == "5.00"  # 10 - 2 - 3


def test_segment_replay_records_the_time_once(api, endpoints):
    path, body, _ = endpoints["segment"]
    worklog_id = int(path.split("/")[3])
    for _ in range(3):
        assert _post(api, path, body, "seg-once").status_code == 201
    assert get_worklog(api, worklog_id)["amount"] == "20.00"
