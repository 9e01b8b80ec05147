"""`Prefer: respond-async` on generate: 202 + Location, polling, and resuming a run that died."""

import io
import uuid
from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from settlements import services as settlement_services
from settlements.models import Remittance, RunStatus, SettlementRun
from settlements.services import runs
from tests.api_helpers import GENERATE, balance, new_worklog, record, ts

pytestmark = pytest.mark.django_db

OCT = "2024-10-31"
ASYNC = {"HTTP_PREFER": "respond-async"}


@pytest.fixture
def three_workers(api):
    """Three workers owed 10.00, 15.00 and 7.57 for October."""
    owed = {}
    for minutes, rate in ((60, "10.00"), (90, "10.00"), (10, "45.39")):
        wl = new_worklog(api, rate=rate)
        record(api, wl["id"], ts("2024-10-03"), minutes)
        owed[wl["workerId"]] = None
    amounts = ["10.00", "15.00", "7.57"]
    return dict(zip(owed, amounts, strict=True))


def _poll(api, location: str) -> dict:
    response = api.get(location)
    assert response.status_code == 200, response.content
    return response.json()


def test_respond_async_answers_202_with_location_and_the_run_completes(
    api, three_workers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(GENERATE, {"periodEnd": OCT}, format="json", **ASYNC)
    assert response.status_code == 202, response.content
    run_id = response.json()["id"]
    assert response["Location"] == f"/api/settlement-runs/{run_id}/"
    assert response["Preference-Applied"] == "respond-async"
    assert (response.json()["status"], response.json()["remittanceCount"]) == ("QUEUED", 0)

    run = _poll(api, response["Location"])
    assert (run["status"], run["workersTotal"], run["workersDone"]) == ("COMPLETED", 3, 3)
    assert run["totals"] == {"USD": "32.57"}
    assert {r["workerId"]: r["amount"] for r in run["remittances"]} == three_workers


def test_without_the_header_generate_stays_synchronous(api, three_workers):
    response = api.post(GENERATE, {"periodEnd": OCT}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "COMPLETED"
    assert "Location" not in response


def test_other_preferences_alone_do_not_make_it_async(api, three_workers):
    response = api.post(GENERATE, {"periodEnd": OCT}, format="json", HTTP_PREFER="return=minimal")
    assert response.status_code == 201


def test_async_request_with_bad_input_is_400_and_creates_no_run(api):
    response = api.post(GENERATE, {"periodEnd": "31/10/2024"}, format="json", **ASYNC)
    assert response.status_code == 400
    assert not SettlementRun.objects.exists()


def test_async_replay_with_the_same_idempotency_key_returns_the_same_run_and_location(
    api, three_workers, django_capture_on_commit_callbacks
):
    headers = {**ASYNC, "HTTP_IDEMPOTENCY_KEY": "monthly-october"}
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(GENERATE, {"periodEnd": OCT}, format="json", **headers)
        again = api.post(GENERATE, {"periodEnd": OCT}, format="json", **headers)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["id"] == first.json()["id"]
    assert again["Location"] == first["Location"]
    assert SettlementRun.objects.count() == 1


def test_database_backend_queues_the_run_for_the_db_worker(
    api, three_workers, settings, monkeypatch, django_capture_on_commit_callbacks
):
    # The worker runs inside this test's transaction: it must not close the connection holding it.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(GENERATE, {"periodEnd": OCT}, format="json", **ASYNC)
    assert response.status_code == 202
    assert _poll(api, response["Location"])["status"] == "QUEUED"
    assert DBTaskResult.objects.filter(task_path="settlements.tasks.settlement_run_task").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    run = _poll(api, response["Location"])
    assert (run["status"], run["totals"]) == ("COMPLETED", {"USD": "32.57"})


def _kill_the_second_chunk(monkeypatch):
    real = runs._settle_chunk
    calls = []

    def dying(**kwargs):
        calls.append(kwargs["worker_ids"])
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(runs, "_settle_chunk", dying)
    return lambda: monkeypatch.setattr(runs, "_settle_chunk", real)


def test_a_killed_run_is_resumed_and_pays_nobody_twice(
    api, three_workers, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SETTLEMENT_CHUNK_SIZE = 1
    revive = _kill_the_second_chunk(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(GENERATE, {"periodEnd": OCT}, format="json", **ASYNC)
    assert response.status_code == 202
    died = _poll(api, response["Location"])
    assert (died["status"], died["workersDone"], died["remittanceCount"]) == ("FAILED", 1, 1)

    revive()
    resumed = api.post(f"{response['Location']}resume/")
    assert resumed.status_code == 200, resumed.content
    run = resumed.json()
    assert (run["status"], run["workersTotal"], run["workersDone"]) == ("COMPLETED", 3, 3)
    assert {r["workerId"]: r["amount"] for r in run["remittances"]} == three_workers
    assert run["totals"] == {"USD": "32.57"}
    per_worker = Counter(Remittance.objects.filter(period_end=OCT).values_list("worker_id", flat=True))
    assert per_worker == dict.fromkeys(three_workers, 1)
    for worker_id, amount in three_workers.items():
        assert balance(api, worker_id)["pending"] == amount

    assert api.post(f"{response['Location']}resume/").status_code == 409


def test_resume_can_itself_run_in_the_background(
    api, three_workers, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SETTLEMENT_CHUNK_SIZE = 1
    revive = _kill_the_second_chunk(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        run_id = api.post(GENERATE, {"periodEnd": OCT}, format="json", **ASYNC).json()["id"]
    revive()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/settlement-runs/{run_id}/resume/", **ASYNC)
    assert response.status_code == 202
    assert response["Location"] == f"/api/settlement-runs/{run_id}/"
    assert _poll(api, response["Location"])["status"] == "COMPLETED"
    assert Remittance.objects.filter(period_end=OCT).count() == 3


def test_resume_is_finance_only_and_404_for_an_unknown_run(api, make_client, plain_user):
    assert api.post("/api/settlement-runs/999/resume/").status_code == 404
    assert make_client(plain_user).post("/api/settlement-runs/999/resume/").status_code == 403


def test_a_run_left_running_by_a_dead_worker_process_is_resumed_and_pays_each_worker_once(api, three_workers):
    first = next(iter(three_workers))
    run = settlement_services.settlement_run_create(period_end=date.fromisoformat(OCT))
    # What a killed process leaves: its first chunk committed, the run still marked RUNNING, its lease
    # expired (an older version left no lease at all: the same).
    (settled,) = runs._settle_chunk(run=run, worker_ids=[first])
    SettlementRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        workers_total=3,
        workers_done=1,
        lease_owner=uuid.uuid4(),
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    stuck = _poll(api, f"/api/settlement-runs/{run.pk}/")
    assert (stuck["status"], stuck["workersDone"], stuck["remittanceCount"]) == ("STALLED", 1, 1)

    resumed = api.post(f"/api/settlement-runs/{run.pk}/resume/")

    assert resumed.status_code == 200, resumed.content
    body = resumed.json()
    assert (body["status"], body["workersTotal"], body["workersDone"]) == ("COMPLETED", 3, 3)
    assert {r["workerId"]: r["amount"] for r in body["remittances"]} == three_workers
    assert body["totals"] == {"USD": "32.57"}
    per_worker = Counter(Remittance.objects.filter(period_end=OCT).values_list("worker_id", flat=True))
    assert per_worker == dict.fromkeys(three_workers, 1)
    assert Remittance.objects.get(worker_id=first).pk == settled.pk  # the dead process's payout is kept
    for worker_id, amount in three_workers.items():
        assert balance(api, worker_id) == {
            "workerId": worker_id,
            "currency": "USD",
            "unremitted": "0.00",
            "pending": amount,
            "remitted": "0.00",
        }
    assert api.post(f"/api/settlement-runs/{run.pk}/resume/").status_code == 409
    assert Remittance.objects.count() == 3


def test_a_queued_run_whose_task_was_lost_is_resumed_and_completes(api, three_workers):
    run = settlement_services.settlement_run_create(period_end=date.fromisoformat(OCT))  # never enqueued
    assert _poll(api, f"/api/settlement-runs/{run.pk}/")["status"] == "QUEUED"

    resumed = api.post(f"/api/settlement-runs/{run.pk}/resume/")

    assert resumed.status_code == 200, resumed.content
    assert resumed.json()["status"] == "COMPLETED"
    assert {r["workerId"]: r["amount"] for r in resumed.json()["remittances"]} == three_workers
