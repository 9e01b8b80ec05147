"""A run fanned out across task workers (settlements/fanout.py), in this process: the database queue,
`manage.py db_worker --batch` taking the chunk tasks one by one. The same code runs in three worker
processes in tests/settlements/test_fanout_processes.py (PostgreSQL)."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models.functions import Now
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from settlements.fanout import CHUNK_TASK, settlement_run_watch_task
from settlements.models import PayoutSubmission, Remittance, RunStatus, SettlementRun
from settlements.services import runs
from tests.settlements.crowd import crowd_owed
from tests.settlements.runs_helpers import OCT, assert_paid_exactly_once, expire_lease
from tests.support.api_helpers import GENERATE

pytestmark = pytest.mark.django_db
ASYNC = {"HTTP_PREFER": "respond-async"}
WATCH_TASK = "settlements.fanout.settlement_run_watch_task"


@pytest.fixture
def queue(settings, monkeypatch):
    """The database task backend with fan-out, chunks of 2 workers; db_worker inside this test's transaction."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SETTLEMENT_FAN_OUT = True
    settings.SETTLEMENT_CHUNK_SIZE = 2


def work_the_queue(*limit: str) -> None:
    options = ("--batch", "--no-startup-delay", "--no-reload", "--interval", "0", *limit)
    call_command("db_worker", *options, stdout=io.StringIO())


def start_run(api, django_capture_on_commit_callbacks) -> SettlementRun:
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(GENERATE, {"periodEnd": str(OCT)}, format="json", **ASYNC)
    assert response.status_code == 202, response.content
    return SettlementRun.objects.get(pk=response.json()["id"])


def tasks(path: str) -> Counter:
    return Counter(DBTaskResult.objects.filter(task_path=path).values_list("status", flat=True))


def test_each_chunk_is_a_task_and_the_last_one_completes_the_run(api, queue, django_capture_on_commit_callbacks):
    owed = crowd_owed(7)
    run = start_run(api, django_capture_on_commit_callbacks)

    work_the_queue()

    assert tasks(CHUNK_TASK) == {"SUCCESSFUL": 4}  # 7 workers in chunks of 2
    assert_paid_exactly_once(run, owed)
    # The watch task waits for the lease to expire; when it runs, the run is done and it stops.
    (watch,) = DBTaskResult.objects.filter(task_path=WATCH_TASK)
    assert watch.status == "READY"
    assert settlement_run_watch_task.call(**watch.args_kwargs["kwargs"]) == {"runId": run.pk, "watching": False}


def test_the_run_sends_its_payouts_once_completed(api, queue, simulated, django_capture_on_commit_callbacks):
    owed = crowd_owed(3)
    run = start_run(api, django_capture_on_commit_callbacks)

    work_the_queue()

    assert_paid_exactly_once(run, owed)
    assert set(PayoutSubmission.objects.values_list("status", flat=True)) == {"SUBMITTED"}
    assert set(Remittance.objects.values_list("status", flat=True)) == {"PROCESSING"}


def test_a_failing_chunk_fails_the_run_and_a_resume_finishes_it(
    api, queue, monkeypatch, django_capture_on_commit_callbacks
):
    owed = crowd_owed(6)
    real = runs._settle_chunk
    calls = []

    def second_fails(**kwargs):
        calls.append(kwargs["chunk_id"])
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return real(**kwargs)

    monkeypatch.setattr(runs, "_settle_chunk", second_fails)
    run = start_run(api, django_capture_on_commit_callbacks)
    work_the_queue()

    run.refresh_from_db()
    assert (run.status, run.error, run.workers_done) == (RunStatus.FAILED, "the disk is full", 2)
    # The first failure stops the run: the third chunk's task found its execution gone and did nothing.
    assert tasks(CHUNK_TASK) == {"SUCCESSFUL": 2, "FAILED": 1}
    assert Remittance.objects.count() == 2

    monkeypatch.setattr(runs, "_settle_chunk", real)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/settlement-runs/{run.pk}/resume/", **ASYNC).status_code == 202
    work_the_queue()
    assert_paid_exactly_once(run, owed)


def test_a_chunk_whose_worker_died_is_settled_by_a_new_execution_when_the_lease_expires(
    api, queue, django_capture_on_commit_callbacks
):
    owed = crowd_owed(6)
    run = start_run(api, django_capture_on_commit_callbacks)
    work_the_queue("--max-tasks", "1")  # the run's task: it hands out the chunks
    # A worker took the second chunk's task and was killed: nothing of the chunk committed, and the
    # queue keeps its task RUNNING forever.
    lost = DBTaskResult.objects.filter(task_path=CHUNK_TASK).order_by("enqueued_at")[1]
    DBTaskResult.objects.filter(pk=lost.pk).update(status="RUNNING", started_at=Now(), worker_ids=["killed"])
    work_the_queue()
    run.refresh_from_db()
    assert (run.status, run.workers_done, run.workers_total) == (RunStatus.RUNNING, 4, 6)

    # While the lease runs, the watch task only looks again later.
    (watch,) = DBTaskResult.objects.filter(task_path=WATCH_TASK)
    assert settlement_run_watch_task.call(**watch.args_kwargs["kwargs"]) == {"runId": run.pk, "watching": True}
    expire_lease(run)  # no chunk committed for a whole lease
    answer = settlement_run_watch_task.call(**watch.args_kwargs["kwargs"])
    assert answer["restarted"]["chunks"] == 1

    work_the_queue()
    assert_paid_exactly_once(run, owed)
    lost.refresh_from_db()
    assert (lost.status, lost.exception_class_path) == ("FAILED", "settlements.fanout.WorkerLost")


def test_without_fan_out_one_task_executes_the_whole_run(api, queue, settings, django_capture_on_commit_callbacks):
    settings.SETTLEMENT_FAN_OUT = False
    owed = crowd_owed(5)
    run = start_run(api, django_capture_on_commit_callbacks)
    work_the_queue()
    assert_paid_exactly_once(run, owed)
    assert not DBTaskResult.objects.filter(task_path=CHUNK_TASK).exists()
