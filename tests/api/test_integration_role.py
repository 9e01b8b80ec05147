"""The integration role (API.md "Authentication and roles"), endpoint by endpoint: what it may call
and the 403 everywhere else. Each row is its own test, on a fresh world."""

import pytest
from django.contrib.auth.models import Group

from audit.models import AuditEvent
from tests.support.api_helpers import GENERATE, LIST_ALL, generate, new_worklog, record, remittance_of, ts
from tests.support.factories import UserFactory
from worklogs.models import Segment, Task, Worker, WorkLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(make_client):
    user = UserFactory(username="tracker")
    user.groups.add(Group.objects.get_or_create(name="integration")[0])
    return make_client(user)


@pytest.fixture
def world(api):
    worklog = new_worklog(api, rate="10.00")
    segments = [record(api, worklog["id"], ts(f"2024-10-0{day}"), 60) for day in (1, 2, 3, 4)]
    run = generate(api, "2024-10-31")
    other_task = api.post("/api/tasks/", {"title": "other"}, format="json").json()
    return {
        "wl": worklog,
        "worker": worklog["workerId"],
        "task": worklog["taskId"],
        "other_task": other_task["id"],
        "seg": [s["id"] for s in segments],
        "rem": remittance_of(run, worklog["workerId"])["id"],
        "run": run["id"],
        "user": UserFactory().pk,
    }


def seg_body(day):
    return {"startedAt": ts(day), "endedAt": ts(day, "10:00")}


# (method, path template, body, expected status); `{wl}` etc. are filled from the world.
ALLOWED = [
    ("get", "/api/workers/", None, 200),
    ("get", "/api/workers/{worker}/", None, 200),
    ("post", "/api/workers/", {"name": "N", "email": "n@example.com", "externalId": "u-1"}, 201),
    ("get", "/api/tasks/", None, 200),
    ("get", "/api/tasks/{task}/", None, 200),
    ("post", "/api/tasks/", {"title": "T", "externalId": "p-1"}, 201),
    ("get", "/api/worklogs/", None, 200),
    ("get", "/api/worklogs/{wl_id}/", None, 200),
    ("get", "/api/worklogs/?externalId=x", None, 200),
    ("post", "/api/worklogs/", {"workerId": "{worker}", "taskId": "{other_task}", "hourlyRate": "5.00"}, 201),
    ("get", LIST_ALL, None, 200),
    ("get", "/api/worklogs/{wl_id}/segments/", None, 200),
    ("post", "/api/worklogs/{wl_id}/segments/", seg_body("2024-11-02"), 201),
    ("post", "/api/segments/batch/", {"segments": [{"worklogId": "{wl_id}", **seg_body("2024-11-03")}]}, 200),
    ("get", "/api/segments/", None, 200),
    ("get", "/api/segments/{seg0}/", None, 200),
    ("post", "/api/segments/{seg0}/remove/", {"reason": "deleted in the tracker"}, 200),
    ("post", "/api/segments/{seg1}/adjust/", {**seg_body("2024-11-04"), "reason": "edited in the tracker"}, 201),
]

FORBIDDEN = [
    ("get", "/api/workers/{worker}/balance/", None),
    ("get", "/api/workers/{worker}/statement/", None),
    ("patch", "/api/worklogs/{wl_id}/", {"hourlyRate": "99.00"}),
    ("get", "/api/worklogs/?format=csv", None),
    ("get", LIST_ALL + "?format=csv", None),
    ("post", "/api/segments/{seg2}/dispute/", {"reason": "r"}),
    ("post", "/api/segments/{seg3}/resolve/", {"resolution": "ACCEPT"}),
    ("get", "/api/adjustments/", None),
    ("post", "/api/adjustments/", {"worklogId": "{wl_id}", "amount": "5.00", "reason": "r"}),
    ("get", "/api/remittances/", None),
    ("get", "/api/remittances/{rem}/", None),
    ("post", "/api/remittances/{rem}/mark-paid/", {}),
    ("post", "/api/remittances/{rem}/mark-failed/", {"reason": "r"}),
    ("post", "/api/remittances/{rem}/cancel/", {"reason": "r"}),
    ("post", "/api/remittances/{rem}/mark-returned/", {"reason": "r"}),
    ("post", GENERATE, {"periodEnd": "2024-11-30"}),
    ("get", "/api/settlement-runs/", None),
    ("get", "/api/settlement-runs/{run}/", None),
    ("get", "/api/settlement-runs/{run}/remittances.csv", None),
    ("post", "/api/settlement-runs/{run}/resume/", {}),
    ("post", "/api/settlement-runs/{run}/approve/", {}),
    ("post", "/api/settlement-runs/{run}/reject/", {"reason": "r"}),
    ("get", "/api/audit-events/", None),
    ("post", "/api/imports/", {"records": []}),
    ("post", "/api/users/{user}/revoke-tokens/", {}),
]


def _fill(value, world):
    names = {"wl_id": world["wl"]["id"], **{f"seg{i}": s for i, s in enumerate(world["seg"])}, **world}
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in names:
            return names[value[1:-1]]
        return value.format(**{k: v for k, v in names.items() if not isinstance(v, dict)})
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    return value


def _call(client, method, path, body):
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, body, format="json")


@pytest.mark.parametrize(("method", "path", "body", "expected"), ALLOWED, ids=[f"{m} {p}" for m, p, _, _ in ALLOWED])
def test_an_integration_may(integration, world, method, path, body, expected):
    response = _call(integration, method, _fill(path, world), _fill(body, world))
    assert response.status_code == expected, response.content
    if path == "/api/segments/batch/":
        assert response.json()["results"][0]["httpStatus"] == 201


@pytest.mark.parametrize(("method", "path", "body"), FORBIDDEN, ids=[f"{m} {p}" for m, p, _ in FORBIDDEN])
def test_an_integration_may_not(integration, world, method, path, body):
    counts = (Worker.objects.count(), Task.objects.count(), WorkLog.objects.count(), Segment.objects.count())
    response = _call(integration, method, _fill(path, world), _fill(body, world))
    assert response.status_code == 403, (response.status_code, response.content[:300])
    assert (Worker.objects.count(), Task.objects.count(), WorkLog.objects.count(), Segment.objects.count()) == counts


def test_an_integration_s_records_are_audited_as_it(integration, world):
    response = integration.post(f"/api/worklogs/{world['wl']['id']}/segments/", seg_body("2024-11-05"), format="json")
    assert response.status_code == 201
    trail = integration.get("/api/audit-events/")
    assert trail.status_code == 403
    event = AuditEvent.objects.get(action="segment.recorded", object_id=str(response.json()["id"]))
    assert event.actor_username == "tracker"
