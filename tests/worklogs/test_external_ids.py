"""`externalId` on create for workers, tasks and worklogs (unique per kind, 409 when taken, nothing
written) and `?externalId=` lookups on their lists (exact, strict, constant queries)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from tests.support.api_helpers import create_task, create_worker
from worklogs.models import Task, Worker, WorkLog

pytestmark = pytest.mark.django_db


def _worker(api, external_id, **extra):
    return api.post("/api/workers/", {"name": "W", "email": "w@example.com", "externalId": external_id, **extra},
                    format="json")  # fmt: skip


def test_a_worker_keeps_its_external_id_and_a_second_one_is_409(api):
    first = _worker(api, "u-42")
    assert first.status_code == 201
    assert first.json()["externalId"] == "u-42"
    events = AuditEvent.objects.count()
    again = _worker(api, "u-42")
    assert again.status_code == 409
    assert again.json() == {"detail": "A worker with externalId 'u-42' already exists.", "code": "external_id_taken"}
    assert Worker.objects.filter(external_id="u-42").count() == 1
    assert AuditEvent.objects.count() == events


def test_a_task_and_a_worklog_too(api):
    worker = create_worker(api)
    task = api.post("/api/tasks/", {"title": "T", "externalId": "p-1"}, format="json")
    assert (task.status_code, task.json()["externalId"]) == (201, "p-1")
    duplicate = api.post("/api/tasks/", {"title": "T2", "externalId": "p-1"}, format="json")
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "external_id_taken")
    assert Task.objects.count() == 1
    body = {"workerId": worker["id"], "taskId": task.json()["id"], "hourlyRate": "10.00", "externalId": "wl-1"}
    assert api.post("/api/worklogs/", body, format="json").status_code == 201
    other_task = create_task(api)
    taken = api.post("/api/worklogs/", {**body, "taskId": other_task["id"]}, format="json")
    assert taken.status_code == 409
    assert taken.json()["detail"] == "A worklog with externalId 'wl-1' already exists."
    assert WorkLog.objects.count() == 1


def test_the_same_external_id_may_name_rows_of_different_kinds(api):
    worker = _worker(api, "same").json()
    task = api.post("/api/tasks/", {"title": "T", "externalId": "same"}, format="json").json()
    body = {"workerId": worker["id"], "taskId": task["id"], "hourlyRate": "10.00", "externalId": "same"}
    assert api.post("/api/worklogs/", body, format="json").status_code == 201


@pytest.mark.parametrize("bad", ["", "x" * 101, 5, ["a"], {"a": 1}])
def test_a_bad_external_id_is_400(api, bad):
    assert _worker(api, bad).status_code == 400
    assert Worker.objects.count() == 0


@pytest.mark.parametrize("kind", ["workers", "tasks", "worklogs"])
def test_external_id_lookup_is_exact_and_strict(api, kind):
    worker = _worker(api, "A-1").json()
    task = api.post("/api/tasks/", {"title": "T", "externalId": "A-1"}, format="json").json()
    api.post("/api/worklogs/", {"workerId": worker["id"], "taskId": task["id"], "hourlyRate": "1.00",
                                "externalId": "A-1"}, format="json")  # fmt: skip
    found = api.get(f"/api/{kind}/", {"externalId": "A-1"}).json()["results"]
    assert [row["externalId"] for row in found] == ["A-1"]
    assert api.get(f"/api/{kind}/", {"externalId": "a-1"}).json()["results"] == []
    assert api.get(f"/api/{kind}/", {"externalId": "A-"}).json()["results"] == []
    assert api.get(f"/api/{kind}/?externalId=").status_code == 400
    assert api.get(f"/api/{kind}/?externalId=A-1&externalId=B").status_code == 400
    assert api.get(f"/api/{kind}/", {"externalId": "x" * 201}).status_code == 400


@pytest.mark.parametrize("kind", ["workers", "tasks", "worklogs"])
def test_external_id_lookup_costs_the_same_whatever_the_rows(api, kind):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"/api/{kind}/", {"externalId": "k-1"}).status_code == 200
        return len(captured)

    worker = _worker(api, "k-1").json()
    task = api.post("/api/tasks/", {"title": "T", "externalId": "k-1"}, format="json").json()
    api.post("/api/worklogs/", {"workerId": worker["id"], "taskId": task["id"], "hourlyRate": "1.00",
                                "externalId": "k-1"}, format="json")  # fmt: skip
    few = queries()
    for n in range(5):
        w = _worker(api, f"more-{n}").json()
        t = api.post("/api/tasks/", {"title": "T", "externalId": f"more-{n}"}, format="json").json()
        api.post("/api/worklogs/", {"workerId": w["id"], "taskId": t["id"], "hourlyRate": "1.00"}, format="json")
    assert queries() == few
