"""The batch endpoint against hostile input, and what a batch costs: one worker lock and a constant
number of queries per worker, whatever the number of its items."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.api_helpers import new_worklog, plus_minutes, ts
from worklogs.models import Item, Segment

pytestmark = pytest.mark.django_db

BATCH = "/api/segments/batch/"


def _span(n: int, day: str = "2024-10-01") -> dict:
    start = datetime.fromisoformat(f"{day}T00:00:00+00:00") + timedelta(minutes=2 * n)
    text = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"startedAt": text, "endedAt": plus_minutes(text, 1)}


@pytest.mark.parametrize(
    "body",
    [[1, 2], "segments", 5, None, {"segments": 5}, {"segments": "x"}, {"segments": {"a": 1}}, {"segments": None},
     {"segments": [[]] * 501}, {"segments": []}, {"segment": [{}]}],
    ids=["list", "string", "number", "null", "seg-number", "seg-string", "seg-object", "seg-null", "501", "empty",
         "misnamed"],
)  # fmt: skip
def test_a_malformed_envelope_is_400(api, body):
    response = api.post(BATCH, body, format="json")
    assert response.status_code == 400, response.content
    assert Segment.objects.count() == 0


JUNK_ITEMS = {
    "number": 5,
    "null": None,
    "string": "segment",
    "nested-list": [[[{"worklogId": 1}]]],
    "nested-object": {"worklogId": {"id": [1]}, "startedAt": {"a": 1}},
    "float-id": {"worklogId": 1.5},
    "bool-id": {"worklogId": True},
    "arabic-indic-id": {"worklogId": "\u0665"},
    "exponent-id": {"worklogId": "1e2"},
    "zero-id": {"worklogId": 0},
    "huge-id": {"worklogId": 2**63},
    "both-references": {"worklogId": "{wl}", "worklogExternalId": "x"},
    "no-reference": {},
    "numeric-external-reference": {"worklogExternalId": 5},
    "blank-external-reference": {"worklogExternalId": ""},
    "object-times": {"worklogId": "{wl}", "startedAt": {"$gt": ""}, "endedAt": ["2024-10-01T09:00:00Z"]},
    "local-time": {"worklogId": "{wl}", "startedAt": "2024-10-01T09:00:00", "endedAt": "2024-10-01T10:00:00"},
    "over-24h": {"worklogId": "{wl}", "startedAt": ts("2024-10-01"), "endedAt": ts("2024-10-02", "09:01")},
    "future": {"worklogId": "{wl}", "startedAt": "2999-01-01T09:00:00Z", "endedAt": "2999-01-01T10:00:00Z"},
    "object-note": {"worklogId": "{wl}", **_span(1), "note": {"a": "b"}},
}


@pytest.mark.parametrize("name", list(JUNK_ITEMS))
def test_a_junk_item_is_its_own_400_and_the_others_are_recorded(api, name):
    worklog = new_worklog(api, rate="60.00")
    junk = JUNK_ITEMS[name]
    if isinstance(junk, dict):
        junk = {k: worklog["id"] if v == "{wl}" else v for k, v in junk.items()}
    good = {"worklogId": worklog["id"], **_span(10)}
    response = api.post(BATCH, {"segments": [junk, good]}, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert results[0]["httpStatus"] == 400, results[0]
    assert isinstance(results[0]["body"], dict) and results[0]["body"]
    assert (results[1]["httpStatus"], results[1]["body"]["amount"]) == (201, "1.00")
    assert Segment.objects.count() == 1


def test_five_hundred_items_are_one_batch(api):
    worklog = new_worklog(api, rate="60.00")
    items = [{"worklogId": worklog["id"], **_span(n)} for n in range(500)]
    response = api.post(BATCH, {"segments": items}, format="json")
    assert response.status_code == 200
    assert {r["httpStatus"] for r in response.json()["results"]} == {201}
    assert api.get(f"/api/worklogs/{worklog['id']}/").json()["amount"] == "500.00"
    assert Item.objects.filter(worklog_id=worklog["id"]).count() == 500


def _batch_queries(api, items) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = api.post(BATCH, {"segments": items}, format="json")
    assert response.status_code == 200
    assert {r["httpStatus"] for r in response.json()["results"]} == {201}
    return [q["sql"] for q in captured.captured_queries]


def test_a_worker_s_batch_costs_the_same_queries_for_ten_items_as_for_a_hundred(api):
    worklog, other = new_worklog(api, rate="60.00"), new_worklog(api, rate="60.00")
    ten = _batch_queries(api, [{"worklogId": worklog["id"], **_span(n)} for n in range(10)])
    hundred = _batch_queries(api, [{"worklogId": other["id"], **_span(n)} for n in range(100)])

    def not_inserts(queries):
        return [q for q in queries if not q.startswith("INSERT")]

    assert len(not_inserts(hundred)) == len(not_inserts(ten))
    # Five bulk inserts (segments, items, journal entries, postings, audit events); SQLite splits the
    # larger ones by its limit of parameters per statement, PostgreSQL does not.
    inserts = len(hundred) - len(not_inserts(hundred))
    assert inserts == 5 if connection.vendor == "postgresql" else 5 <= inserts <= 10


def test_each_worker_adds_a_constant_number_of_queries(api):
    worklogs = [new_worklog(api, rate="60.00") for _ in range(3)]
    one = _batch_queries(api, [{"worklogId": worklogs[0]["id"], **_span(n, "2024-10-02")} for n in range(30)])
    # Interleaved items of three workers: still one transaction each, not one per item.
    mixed = [{"worklogId": worklogs[n % 3]["id"], **_span(n, "2024-10-03")} for n in range(90)]
    three = _batch_queries(api, mixed)
    assert len(three) == len(one) + 2 * _per_worker_queries(one)
    assert sum(q.startswith("SAVEPOINT") for q in three) == 3


def _per_worker_queries(queries: list[str]) -> int:
    """A worker's transaction (a savepoint inside the test's transaction): from its start to its end."""
    first = next(i for i, q in enumerate(queries) if q.startswith("SAVEPOINT"))
    last = next(i for i, q in enumerate(queries) if q.startswith("RELEASE SAVEPOINT"))
    return last - first + 1


@pytest.mark.postgres
def test_a_hundred_items_of_one_worker_take_one_worker_lock_and_one_worklog_lock(api):
    worklog = new_worklog(api, rate="60.00")
    queries = _batch_queries(api, [{"worklogId": worklog["id"], **_span(n)} for n in range(100)])
    locks = [q for q in queries if "FOR UPDATE" in q]
    assert len(locks) == 2, locks
    assert 'FROM "worklogs_worker"' in locks[0] and 'FROM "worklogs_worklog"' in locks[1]
    assert sum(q.startswith("SAVEPOINT") for q in queries) == 1  # the worker's transaction, not one per item


def test_all_items_future_relative_to_now_are_refused_with_the_single_endpoint_message(api):
    worklog = new_worklog(api)
    soon = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    item = {"worklogId": worklog["id"], "startedAt": soon, "endedAt": plus_minutes(soon, 10)}
    result = api.post(BATCH, {"segments": [item]}, format="json").json()["results"][0]
    assert result == {"httpStatus": 400, "body": {"endedAt": ["A segment may not end in the future."]}}
