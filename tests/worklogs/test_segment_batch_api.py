"""`POST /api/segments/batch/`: one result per item, in order, each what the single endpoint answers."""

import re

import pytest
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from tests.support.api_helpers import get_worklog, new_worklog, plus_minutes, record, ts
from tests.support.factories import UserFactory, WorkerFactory
from worklogs.models import Item, Segment
from worklogs.services import segment_batch

pytestmark = pytest.mark.django_db

BATCH = "/api/segments/batch/"


def item(worklog_id, start, minutes=60, **extra):
    return {"worklogId": worklog_id, "startedAt": start, "endedAt": plus_minutes(start, minutes), **extra}


def batch(client, items, **headers):
    response = client.post(BATCH, {"segments": items}, format="json", **headers)
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def worklog(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-01"), 60, externalId="old-1", note="n")
    return wl


def _mixed_items(worklog):
    wl = worklog["id"]
    return [
        item(wl, ts("2024-10-02"), 20, externalId="a"),  # 201
        item(wl, ts("2024-10-01"), 60, externalId="old-1", note="n"),  # 200: identical repeat
        item(wl, ts("2024-10-01", "09:30"), 60),  # 409: overlaps the existing segment
        {"worklogId": wl, "startedAt": ts("2024-10-03", "10:00"), "endedAt": ts("2024-10-03", "09:00")},  # 400
        item(999_999, ts("2024-10-04")),  # 404
        item(wl, ts("2024-10-02", "09:10"), 30),  # 409: overlaps the first item
        item(wl, ts("2024-10-05"), 20, externalId="a"),  # 409: externalId "a" with other fields
        item(wl, ts("2024-10-02"), 20, externalId="a"),  # 200: identical repeat of the first item
        item(wl, ts("2024-10-02", "10:00"), 20, note="third"),  # 201
        {"startedAt": ts("2024-10-06"), "endedAt": ts("2024-10-06", "10:00")},  # 400: no worklog
    ]


def test_a_mixed_batch_answers_each_item_in_order(api, worklog):
    results = batch(api, _mixed_items(worklog))
    assert [r["httpStatus"] for r in results] == [201, 200, 409, 400, 404, 409, 409, 200, 201, 400]
    first, third = results[0]["body"], results[8]["body"]
    assert (first["amount"], first["externalId"], first["status"]) == ("3.33", "a", "ACTIVE")
    assert third["amount"] == "3.34"  # cents of the next item: 10.00 + 3.33 + 3.34 rounded once
    assert results[7]["body"] == first
    assert results[2]["body"]["code"] == "segment_overlap"
    assert f"segment {first['id']} " in results[5]["body"]["detail"]
    assert results[6]["body"]["code"] == "external_id_reused"
    assert results[3]["body"] == {"endedAt": ["endedAt must be after startedAt."]}
    assert results[9]["body"] == {"worklogId": ["Give exactly one of worklogId and worklogExternalId."]}
    assert get_worklog(api, worklog["id"])["amount"] == "16.67"
    assert Segment.objects.filter(worklog_id=worklog["id"]).count() == 3


def _single(api, raw):
    path_id = raw.get("worklogId", 0)
    body = {k: v for k, v in raw.items() if k not in ("worklogId", "worklogExternalId")}
    response = api.post(f"/api/worklogs/{path_id}/segments/", body, format="json")
    return {"httpStatus": response.status_code, "body": response.json()}


def test_each_result_is_what_the_single_endpoint_answers(api, worklog):
    items = _mixed_items(worklog)[:9]  # the last has no worklog, which the single endpoint has in its path
    with transaction.atomic():
        singles = [_single(api, raw) for raw in items]
        transaction.set_rollback(True)
    results = batch(api, items)
    # Ids of the segments each run created differ; everything else is the same.
    created_ids = {
        s["body"]["id"]: r["body"]["id"] for s, r in zip(singles, results, strict=True) if s["httpStatus"] == 201
    }

    def _renamed(match):
        return f"segment {created_ids.get(int(match[1]), match[1])}"

    def same_ids(answer):
        body = dict(answer["body"])
        if "id" in body:
            body["id"] = created_ids.get(body["id"], body["id"])
        body.pop("createdAt", None)
        if "detail" in body:
            body["detail"] = re.sub(r"segment (\d+)", _renamed, body["detail"])
        return {"httpStatus": answer["httpStatus"], "body": body}

    without_created_at = [{**r, "body": {k: v for k, v in r["body"].items() if k != "createdAt"}} for r in results]
    assert [same_ids(s) for s in singles] == without_created_at


def test_a_worklog_named_by_its_external_id(api):
    wl = api.post(
        "/api/worklogs/",
        {"workerId": new_worklog(api)["workerId"], "taskId": new_worklog(api)["taskId"], "hourlyRate": "30.00",
         "externalId": "tt-wl-7"},
        format="json",
    ).json()  # fmt: skip
    by_external = {"worklogExternalId": "tt-wl-7", "startedAt": ts("2024-10-02"), "endedAt": ts("2024-10-02", "09:10")}
    results = batch(api, [by_external])
    assert results[0]["httpStatus"] == 201
    assert (results[0]["body"]["worklogId"], results[0]["body"]["amount"]) == (wl["id"], "5.00")
    both = {**by_external, "worklogId": wl["id"], "startedAt": ts("2024-10-03"), "endedAt": ts("2024-10-03", "09:10")}
    assert batch(api, [both])[0]["httpStatus"] == 400
    unknown = {"worklogExternalId": "nope", "startedAt": ts("2024-10-03"), "endedAt": ts("2024-10-03", "09:10")}
    assert batch(api, [unknown])[0] == {"httpStatus": 404, "body": {"detail": "No WorkLog matches the given query."}}


def test_an_idempotency_key_replays_the_whole_answer(api, worklog):
    items = _mixed_items(worklog)
    first = api.post(BATCH, {"segments": items}, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    segments, items_count = Segment.objects.count(), Item.objects.count()
    again = api.post(BATCH, {"segments": items}, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert (Segment.objects.count(), Item.objects.count()) == (segments, items_count)
    other = api.post(BATCH, {"segments": items[:1]}, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert other.status_code == 409


def test_a_worker_batches_on_their_own_worklogs_only(api, make_client):
    login = UserFactory()
    mine = new_worklog(api, rate="12.00", worker_id=WorkerFactory(user=login).pk)
    theirs = new_worklog(api)
    client = make_client(login)
    results = batch(client, [item(mine["id"], ts("2024-10-02"), 30), item(theirs["id"], ts("2024-10-02"), 30)])
    assert [r["httpStatus"] for r in results] == [201, 404]
    assert results[0]["body"]["amount"] == "6.00"
    assert not Segment.objects.filter(worklog_id=theirs["id"]).exists()
    event = AuditEvent.objects.get(action="segment.recorded", object_id=str(results[0]["body"]["id"]))
    assert event.actor == login
    assert event.changes["amount"] == [None, "6.00"]


def test_each_recorded_item_is_audited_with_its_actor(api, worklog, finance_user):
    results = batch(api, [item(worklog["id"], ts(f"2024-10-0{day}"), 15, note=f"d{day}") for day in (2, 3, 4)])
    events = AuditEvent.objects.filter(action="segment.recorded", actor=finance_user).order_by("pk")
    recorded = {e.object_id: e.changes for e in events}
    for result in results:
        changes = recorded[str(result["body"]["id"])]
        assert changes["amount"] == [None, "2.50"]
        assert changes["note"][1] == result["body"]["note"]
        assert changes["started_at"][1] == result["body"]["startedAt"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"segments": []}, "segments"),
        ({"segments": "x"}, "segments"),
        ({}, "segments"),
        ({"segments": [{}] * 501}, "segments"),
    ],
)
def test_a_malformed_envelope_is_400_and_writes_nothing(api, body, field):
    response = api.post(BATCH, body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_the_schema_documents_the_batch_request_and_answer(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/segments/batch/"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/SegmentBatchRequest")
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert answer.endswith("/SegmentBatchAnswer")
    components = schema["components"]["schemas"]
    result = components["SegmentBatchAnswer"]["properties"]["results"]["items"]["$ref"]
    assert result.endswith("/SegmentBatchResult")
    body = components["SegmentBatchResult"]["properties"]["body"]["anyOf"]
    assert {"$ref": "#/components/schemas/Segment"} in body
    item = components["SegmentBatchRequest"]["properties"]["segments"]["items"]["$ref"].rsplit("/", 1)[1]
    assert {"worklogId", "worklogExternalId", "startedAt", "endedAt", "externalId", "note"} <= set(
        components[item]["properties"]
    )


def test_a_write_the_database_refuses_is_retried_item_by_item(api, worklog, monkeypatch):
    def refused(**kwargs):
        raise IntegrityError("a guard the decisions did not foresee")

    monkeypatch.setattr(segment_batch, "earnings_add", refused)
    items = [item(worklog["id"], ts("2024-10-02"), 20), item(worklog["id"], ts("2024-10-02", "09:10"), 20),
             item(worklog["id"], ts("2024-10-02", "10:00"), 20, externalId="z")]  # fmt: skip
    results = batch(api, items)
    assert [r["httpStatus"] for r in results] == [201, 409, 201]
    assert [results[0]["body"]["amount"], results[2]["body"]["amount"]] == ["3.33", "3.34"]
    assert get_worklog(api, worklog["id"])["amount"] == "16.67"
    assert Segment.objects.filter(worklog_id=worklog["id"]).count() == 3


def test_anonymous_is_401_and_a_user_without_a_role_403(anon_client, make_client, worklog):
    body = {"segments": [item(worklog["id"], ts("2024-10-02"))]}
    assert anon_client.post(BATCH, body, format="json").status_code == 401
    assert make_client(UserFactory(is_staff=True)).post(BATCH, body, format="json").status_code == 403
    assert Segment.objects.filter(worklog_id=worklog["id"]).count() == 1
