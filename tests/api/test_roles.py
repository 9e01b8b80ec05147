"""Who may call what (API.md "Authentication and roles"), seen from the outside."""

import pytest

from tests.support.api_helpers import GENERATE, LIST_ALL, generate, new_worklog, plus_minutes, record, remittance_of, ts
from tests.support.factories import UserFactory, WorkerFactory
from worklogs.models import Segment

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(api):
    """Two workers, each with a worklog, a segment and a PENDING remittance; `mine` has a login."""
    login = UserFactory()
    mine_worker = WorkerFactory(user=login)
    mine = new_worklog(api, rate="10.00", worker_id=mine_worker.pk)
    theirs = new_worklog(api, rate="10.00")
    my_seg = record(api, mine["id"], ts("2024-10-03"), 60)
    their_seg = record(api, theirs["id"], ts("2024-10-03"), 60)
    run = generate(api, "2024-10-31")
    return {
        "login": login,
        "mine": mine,
        "theirs": theirs,
        "my_seg": my_seg,
        "their_seg": their_seg,
        "my_rem": remittance_of(run, mine["workerId"]),
        "their_rem": remittance_of(run, theirs["workerId"]),
        "run": run,
    }


def _reads(w):
    return [
        "/api/workers/",
        f"/api/workers/{w['mine']['workerId']}/",
        f"/api/workers/{w['mine']['workerId']}/balance/",
        "/api/worklogs/",
        f"/api/worklogs/{w['mine']['id']}/",
        f"/api/worklogs/{w['mine']['id']}/segments/",
        f"/api/segments/{w['my_seg']['id']}/",
        "/api/remittances/",
        f"/api/remittances/{w['my_rem']['id']}/",
        LIST_ALL,
        "/api/tasks/",
        "/api/adjustments/",
        f"/api/settlement-runs/{w['run']['id']}/",
    ]


def _writes(w):
    seg_body = {"startedAt": ts("2024-10-05"), "endedAt": ts("2024-10-05", "10:00")}
    return [
        ("/api/workers/", {"name": "x", "email": "x@example.com"}),
        ("/api/tasks/", {"title": "x"}),
        ("/api/worklogs/", {"workerId": w["mine"]["workerId"], "taskId": w["mine"]["taskId"], "hourlyRate": "1.00"}),
        (f"/api/worklogs/{w['mine']['id']}/segments/", seg_body),
        (f"/api/segments/{w['my_seg']['id']}/dispute/", {"reason": "r"}),
        (f"/api/segments/{w['my_seg']['id']}/remove/", {"reason": "r"}),
        (f"/api/segments/{w['my_seg']['id']}/resolve/", {"resolution": "ACCEPT"}),
        (
            f"/api/segments/{w['my_seg']['id']}/adjust/",
            {"startedAt": ts("2024-10-03"), "endedAt": ts("2024-10-03", "09:30"), "reason": "r"},
        ),
        ("/api/adjustments/", {"worklogId": w["mine"]["id"], "amount": "5.00", "reason": "r"}),
        (GENERATE, {"periodEnd": "2024-10-31"}),
        (f"/api/remittances/{w['my_rem']['id']}/mark-paid/", {}),
        (f"/api/remittances/{w['my_rem']['id']}/mark-failed/", {"reason": "r"}),
        (f"/api/remittances/{w['my_rem']['id']}/cancel/", {"reason": "r"}),
    ]


def test_anonymous_gets_401_everywhere(anon_client, world):
    for path in _reads(world):
        assert anon_client.get(path).status_code == 401, path
    for path, body in _writes(world):
        assert anon_client.post(path, body, format="json").status_code == 401, path


@pytest.mark.parametrize("staff", [False, True], ids=["plain", "staff-not-finance"])
def test_authenticated_user_without_a_role_gets_403_everywhere(make_client, world, staff):
    client = make_client(UserFactory(is_staff=staff))
    for path in _reads(world):
        assert client.get(path).status_code == 403, path
    for path, body in _writes(world):
        assert client.post(path, body, format="json").status_code == 403, path
    assert client.patch(f"/api/worklogs/{world['mine']['id']}/", {"hourlyRate": "1.00"}).status_code == 403


def test_plain_user_still_gets_a_token(anon_client):
    user = UserFactory()
    response = anon_client.post("/api/auth/token/", {"username": user.username, "password": "pass-1234"})
    assert response.status_code == 200
    assert response.json()["token"]


def test_superuser_may_call_everything(make_client, world):
    client = make_client(UserFactory(is_superuser=True))
    for path in _reads(world):
        assert client.get(path).status_code == 200, path
    response = client.post(f"/api/remittances/{world['my_rem']['id']}/mark-paid/", {}, format="json")
    assert response.status_code == 200
    assert client.post(GENERATE, {"periodEnd": "2024-11-30"}, format="json").status_code == 201


def test_finance_member_may_read_everything(api, world):
    for path in _reads(world):
        assert api.get(path).status_code == 200, path


# --- Worker users ---------------------------------------------------------------------------------


def test_worker_user_reads_only_their_own_objects(make_client, world):
    client = make_client(world["login"])
    mine, theirs = world["mine"], world["theirs"]
    for path in (
        f"/api/workers/{mine['workerId']}/",
        f"/api/workers/{mine['workerId']}/balance/",
        f"/api/worklogs/{mine['id']}/",
        f"/api/worklogs/{mine['id']}/segments/",
        f"/api/segments/{world['my_seg']['id']}/",
        f"/api/remittances/{world['my_rem']['id']}/",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get(f"/api/workers/{mine['workerId']}/balance/").json()["pending"] == "10.00"
    for path in (
        f"/api/workers/{theirs['workerId']}/",
        f"/api/workers/{theirs['workerId']}/balance/",
        f"/api/worklogs/{theirs['id']}/",
        f"/api/worklogs/{theirs['id']}/segments/",
        f"/api/segments/{world['their_seg']['id']}/",
        f"/api/remittances/{world['their_rem']['id']}/",
    ):
        assert client.get(path).status_code == 404, path


def test_worker_user_lists_only_their_own_objects(make_client, world):
    client = make_client(world["login"])
    mine = world["mine"]
    assert [w["id"] for w in client.get("/api/workers/").json()["results"]] == [mine["workerId"]]
    assert [w["id"] for w in client.get("/api/worklogs/").json()["results"]] == [mine["id"]]
    assert [w["id"] for w in client.get(LIST_ALL).json()["results"]] == [mine["id"]]
    assert [r["id"] for r in client.get("/api/remittances/").json()["results"]] == [world["my_rem"]["id"]]
    assert [s["id"] for s in client.get("/api/segments/").json()["results"]] == [world["my_seg"]["id"]]
    # Filtering by another worker shows nothing rather than their data.
    assert client.get("/api/remittances/", {"workerId": world["theirs"]["workerId"]}).json()["results"] == []


def test_worker_user_records_segments_on_own_worklog_but_not_on_others(make_client, world):
    client = make_client(world["login"])
    start = ts("2024-10-06")
    mine = client.post(
        f"/api/worklogs/{world['mine']['id']}/segments/",
        {"startedAt": start, "endedAt": plus_minutes(start, 30)},
        format="json",
    )
    assert mine.status_code == 201, mine.content
    assert mine.json()["amount"] == "5.00"
    before = Segment.objects.count()
    theirs = client.post(
        f"/api/worklogs/{world['theirs']['id']}/segments/",
        {"startedAt": start, "endedAt": plus_minutes(start, 30)},
        format="json",
    )
    assert theirs.status_code == 404
    assert Segment.objects.count() == before


def test_worker_user_gets_403_on_everything_else(make_client, world):
    client = make_client(world["login"])
    for path, body in _writes(world):
        if path.endswith(f"/worklogs/{world['mine']['id']}/segments/"):
            continue  # allowed, tested above
        assert client.post(path, body, format="json").status_code == 403, path
    assert client.patch(f"/api/worklogs/{world['mine']['id']}/", {"hourlyRate": "99.00"}).status_code == 403
    for path in ("/api/tasks/", "/api/adjustments/", f"/api/settlement-runs/{world['run']['id']}/"):
        assert client.get(path).status_code == 403, path
