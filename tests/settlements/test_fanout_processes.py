"""More than one machine: three `manage.py db_worker` processes settle a run of 2,000 workers, fanned
out as chunk tasks (settlements/fanout.py). One worker is killed (SIGKILL) in the middle of a chunk's
transaction: nothing of that chunk committed, the others carry on, and when no chunk commits for a
lease the run's watch task starts the lost chunk again. Every worker is paid exactly once and the run
COMPLETED. The second test runs the workers through a transaction-pooling PgBouncer.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection
from django_tasks_db.models import DBTaskResult

from settlements.fanout import CHUNK_TASK
from settlements.models import RunStatus, SettlementRun
from tests.db_guards.threads import POSTGRES_THREADS
from tests.settlements.crowd import crowd_owed
from tests.settlements.runs_helpers import OCT
from tests.support.api_helpers import GENERATE
from tests.support.pgbouncer import pgbouncer

pytestmark = POSTGRES_THREADS

BASE_DIR = Path(__file__).resolve().parents[2]
WORKERS = 2000
CHUNK = 50  # 40 chunks
LEASE = 3  # seconds without a committed chunk before the lost chunk is started again
TIMEOUT = 90


def _database_url(port: int | None = None) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = "127.0.0.1" if port else db["HOST"] or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{port or db['PORT'] or 5432}/{db['NAME']}"


def db_worker(*, database_url: str, pooler: str = "none", pause_at: str = "", pause_dir: Path | None = None):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": database_url,
        "DATABASE_POOLER": pooler,
        "TASKS_BACKEND": "database",
        "SETTLEMENT_CHUNK_SIZE": str(CHUNK),
        "SETTLEMENT_RUN_LEASE_SECONDS": str(LEASE),
        "SETTLEMENT_RUN_PAUSE_AT": pause_at,
        "SETTLEMENT_RUN_PAUSE_DIR": str(pause_dir or ""),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition, what: str, processes=()) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        for process in processes:
            assert process.poll() is None, f"a worker exited ({process.returncode}): {process.communicate()[1][-3000:]}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def assert_each_paid_once(run: SettlementRun, owed: dict) -> None:
    """runs_helpers.assert_paid_exactly_once without its per-worker selector audit (3 queries a worker):
    the autouse audit after the test recomputes every total and the ledger set-based."""
    run.refresh_from_db()
    assert (run.status, run.workers_done, run.workers_total) == (RunStatus.COMPLETED, WORKERS, WORKERS)
    assert (run.lease_owner, run.lease_expires_at) == (None, None)
    paid = list(run.remittances.values_list("worker_id", "amount"))
    assert len(paid) == WORKERS
    assert dict(paid) == owed
    assert not run.chunks.filter(done_at__isnull=True).exists()


def settle_across_three_workers(api, settings, tmp_path, *, database_url: str, pooler: str = "none") -> None:
    owed = crowd_owed(WORKERS)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    started = time.monotonic()
    doomed = db_worker(database_url=database_url, pooler=pooler, pause_at="chunk_in_transaction:3", pause_dir=tmp_path)
    others = [db_worker(database_url=database_url, pooler=pooler) for _ in range(2)]
    try:
        response = api.post(GENERATE, {"periodEnd": str(OCT)}, format="json", HTTP_PREFER="respond-async")
        assert response.status_code == 202, response.content
        run = SettlementRun.objects.get(pk=response.json()["id"])

        wait_for(lambda: (tmp_path / "reached").exists(), "the doomed worker's pause", [doomed, *others])
        doomed.send_signal(signal.SIGKILL)  # in the middle of its third chunk's transaction
        doomed.wait(timeout=10)
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING

        def completed() -> bool:
            run.refresh_from_db()
            return run.status == RunStatus.COMPLETED

        wait_for(completed, "the run to complete", others)
        elapsed = time.monotonic() - started
    finally:
        for process in [doomed, *others]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [doomed, *others]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    assert_each_paid_once(run, owed)
    # The killed worker's task, left RUNNING by the queue, was marked FAILED when its chunk restarted.
    lost = DBTaskResult.objects.filter(task_path=CHUNK_TASK, exception_class_path="settlements.fanout.WorkerLost")
    assert list(lost.values_list("status", flat=True)) == ["FAILED"]
    # Both surviving workers settled chunks: the work was shared, not done by one.
    done_by_worker = DBTaskResult.objects.filter(task_path=CHUNK_TASK, status="SUCCESSFUL")
    assert len({tuple(r.worker_ids) for r in done_by_worker}) >= 2
    print(f"{WORKERS} workers settled by 3 db_workers ({pooler}), one killed: {elapsed:.1f} s")


def test_three_workers_settle_a_run_and_a_killed_one_loses_nothing(api, settings, tmp_path):
    settle_across_three_workers(api, settings, tmp_path, database_url=_database_url())


def test_the_same_through_a_transaction_pooling_pgbouncer(api, settings, tmp_path):
    db = connection.settings_dict
    with pgbouncer(host=db["HOST"] or "127.0.0.1", port=int(db["PORT"] or 5432), user=db["USER"]) as port:
        settle_across_three_workers(api, settings, tmp_path, database_url=_database_url(port), pooler="pgbouncer")
