"""A run outlives the process that started it: real `manage.py run_settlement` processes on the test
database, killed with SIGKILL or cut from PostgreSQL (`pg_terminate_backend`) at named moments.

The child pauses at a named point through the test hook of `settlements/services/run_checkpoints.py`
(`SETTLEMENT_RUN_PAUSE_AT`, read by config/test_settings.py only), which also tells the test the
PostgreSQL backend of the connection that reached it. After each crash: every worker is paid exactly
once for exactly what was owed, the progress is exact, and the audit is clean.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from settlements.models import Remittance, RunStatus, SettlementRun
from settlements.selectors import runs_stalled
from tests.runs_helpers import OCT, assert_paid_exactly_once, workers_owed
from tests.threads import POSTGRES_THREADS, in_threads, token_client

pytestmark = POSTGRES_THREADS

BASE_DIR = Path(__file__).resolve().parent.parent
WORKERS = 40
CHUNK = 4  # 10 chunks
LEASE = 1  # seconds: a killed run is resumable that soon (only a competitor can take a lease over)
TIMEOUT = 60


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start(*args: str, parallelism: int = 2, lease: int = LEASE, pause_at: str = "", pause_dir: Path | None = None):
    """`python manage.py run_settlement ARGS` on the test database, in its own process."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": _database_url(),
        "SETTLEMENT_CHUNK_SIZE": str(CHUNK),
        "SETTLEMENT_PARALLELISM": str(parallelism),
        "SETTLEMENT_RUN_LEASE_SECONDS": str(lease),
        "SETTLEMENT_RUN_PAUSE_AT": pause_at,
        "SETTLEMENT_RUN_PAUSE_DIR": str(pause_dir or ""),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_settlement", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=TIMEOUT)
    return process.returncode, out, err


def wait_until_reached(process, pause_dir: Path) -> dict:
    """Wait for the child to pause at its point; returns what it wrote (pid, backend_pid, point)."""
    deadline = time.monotonic() + TIMEOUT
    while not (pause_dir / "reached").exists():
        if process.poll() is not None:
            pytest.fail(f"the child ended (exit {process.returncode}) before its pause: {process.communicate()}")
        assert time.monotonic() < deadline, "the child never reached its pause"
        time.sleep(0.02)
    return json.loads((pause_dir / "reached").read_text())


def go_on(pause_dir: Path) -> None:
    (pause_dir / "go").write_text("")


def kill_9(process) -> None:
    process.kill()
    process.wait(timeout=TIMEOUT)


def terminate_backend(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone()[0] is True


def wait_until_stalled(api, run: SettlementRun) -> None:
    """The dead run shows STALLED in the API once its lease expired, without anyone reading the database."""
    deadline = time.monotonic() + TIMEOUT
    while api.get(f"/api/settlement-runs/{run.pk}/").json()["status"] != "STALLED":
        assert time.monotonic() < deadline, "the run never showed STALLED"
        time.sleep(0.2)
    assert list(runs_stalled()) == [run]


def assert_progress_exact_at_death(run: SettlementRun) -> int:
    """Whatever moment the process died at, its progress is what it committed: the done chunks'
    workers, each of them (all are owed money) with its remittance."""
    run.refresh_from_db()
    done = sum(chunk.workers for chunk in run.chunks.filter(done_at__isnull=False))
    assert run.status == RunStatus.RUNNING
    assert (run.workers_done, run.workers_total) == (done, WORKERS)
    assert Remittance.objects.filter(run=run).count() == done
    return done


@pytest.fixture
def owed():
    return workers_owed(WORKERS)


@pytest.mark.parametrize(
    ("point", "parallelism", "done_at_death"),
    [
        ("chunk_in_transaction:1", 1, lambda done: done == 0),  # before the first chunk commits
        ("chunk_committed:4", 2, lambda done: CHUNK * 4 <= done < WORKERS),  # mid-run
        ("before_finish:1", 2, lambda done: done == WORKERS),  # every chunk committed, no final status
    ],
)
def test_kill_9_then_resume_pays_everyone_exactly_once(api, owed, tmp_path, point, parallelism, done_at_death):
    process = start("--period-end", str(OCT), parallelism=parallelism, pause_at=point, pause_dir=tmp_path)
    wait_until_reached(process, tmp_path)
    kill_9(process)

    run = SettlementRun.objects.get()
    assert done_at_death(assert_progress_exact_at_death(run))
    wait_until_stalled(api, run)

    code, out, err = finish(start("--resume", str(run.pk)))
    assert code == 0, err
    assert out.splitlines()[0].startswith(
        f"Run #{run.pk} resumed, period end {OCT}: COMPLETED, {WORKERS}/{WORKERS} workers, {WORKERS} remittance(s)"
    )
    assert_paid_exactly_once(run, owed)


def test_a_chunk_whose_connection_is_terminated_in_its_transaction_is_settled_again(owed, tmp_path):
    process = start("--period-end", str(OCT), pause_at="chunk_in_transaction:3", pause_dir=tmp_path)
    terminate_backend(wait_until_reached(process, tmp_path)["backend_pid"])
    go_on(tmp_path)

    code, out, err = finish(process)

    assert code == 0, err
    assert "retrying on a fresh one" in err  # the chunk was cut off, then settled on a new connection
    assert out.splitlines()[0].endswith(f"{WORKERS} remittance(s) created.")
    assert_paid_exactly_once(SettlementRun.objects.get(), owed)


PAUSE_AT_COMMIT = [
    "CREATE SEQUENCE test_pause_at_commit",
    """CREATE FUNCTION test_pause_at_commit() RETURNS trigger AS $$
    BEGIN
        IF nextval('test_pause_at_commit') = 3 THEN PERFORM pg_sleep(60); END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    # Deferred: it runs inside COMMIT, after the chunk's statements, before the commit is durable.
    """CREATE CONSTRAINT TRIGGER test_pause_at_commit AFTER UPDATE ON settlements_settlementrunchunk
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_pause_at_commit()""",
]
UNDO_PAUSE_AT_COMMIT = [
    "DROP TRIGGER IF EXISTS test_pause_at_commit ON settlements_settlementrunchunk",
    "DROP FUNCTION IF EXISTS test_pause_at_commit()",
    "DROP SEQUENCE IF EXISTS test_pause_at_commit",
]


def _backend_committing() -> int:
    deadline = time.monotonic() + TIMEOUT
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'COMMIT' "
                "AND state = 'active' AND wait_event = 'PgSleep'"
            )
            row = cursor.fetchone()
            if row:
                return row[0]
            assert time.monotonic() < deadline, "no chunk ever paused in its COMMIT"
            time.sleep(0.02)


def test_a_chunk_whose_connection_is_terminated_during_its_commit_is_settled_again(owed):
    with connection.cursor() as cursor:
        for statement in PAUSE_AT_COMMIT:
            cursor.execute(statement)
    try:
        process = start("--period-end", str(OCT))
        terminate_backend(_backend_committing())
        code, out, err = finish(process)
    finally:
        with connection.cursor() as cursor:
            for statement in UNDO_PAUSE_AT_COMMIT:
                cursor.execute(statement)

    assert code == 0, err
    assert "retrying on a fresh one" in err
    assert out.splitlines()[0].endswith(f"{WORKERS} remittance(s) created.")
    assert_paid_exactly_once(SettlementRun.objects.get(), owed)


def test_the_final_status_write_survives_its_connection_being_terminated(owed, tmp_path):
    process = start("--period-end", str(OCT), pause_at="before_finish:1", pause_dir=tmp_path)
    terminate_backend(wait_until_reached(process, tmp_path)["backend_pid"])
    go_on(tmp_path)

    code, out, err = finish(process)

    assert code == 0, err  # every remittance had committed: the run says so, on a fresh connection
    assert "retrying on a fresh one" in err
    assert out.splitlines()[0].endswith(f"{WORKERS} remittance(s) created.")
    assert_paid_exactly_once(SettlementRun.objects.get(), owed)


def _stuck_run(api, tmp_path) -> SettlementRun:
    """A run whose process was killed after its second chunk, left STALLED."""
    pause_dir = tmp_path / "first"
    pause_dir.mkdir()
    process = start("--period-end", str(OCT), parallelism=1, pause_at="chunk_committed:2", pause_dir=pause_dir)
    wait_until_reached(process, pause_dir)
    kill_9(process)
    run = SettlementRun.objects.get()
    assert assert_progress_exact_at_death(run) == 2 * CHUNK
    wait_until_stalled(api, run)
    return run


def test_eight_concurrent_resumes_of_a_stuck_run_execute_it_once(api, owed, tmp_path):
    run = _stuck_run(api, tmp_path)
    dirs = [tmp_path / f"resume{i}" for i in range(8)]
    for pause_dir in dirs:
        pause_dir.mkdir()
    # Each resume would pause after committing its first chunk: only the one holding the lease gets there,
    # and it stays there, holding the run, until every other has answered.
    resumes = [
        start("--resume", str(run.pk), lease=30, pause_at="chunk_committed:1", pause_dir=pause_dir)
        for pause_dir in dirs
    ]
    deadline = time.monotonic() + TIMEOUT
    while sum(p.poll() is not None for p in resumes) < 7:
        assert time.monotonic() < deadline, "the refused resumes never ended"
        time.sleep(0.05)
    (executing,) = [p for p in resumes if p.poll() is None]
    refused = [finish(p) for p in resumes if p is not executing]
    go_on(dirs[resumes.index(executing)])
    code, out, err = finish(executing)

    assert code == 0, err
    assert out.splitlines()[0].startswith(f"Run #{run.pk} resumed, period end {OCT}: COMPLETED")
    for refused_code, refused_out, refused_err in refused:
        assert (refused_code, refused_out) == (3, "")
        assert refused_err.startswith(f"CommandError: Run {run.pk} is being executed by another process")
        assert refused_err.count("\n") == 1
    owners = set(run.chunks.filter(seq__gte=2).values_list("done_by", flat=True))
    assert len(owners) == 1  # every chunk after the crash was settled by one execution
    assert_paid_exactly_once(run, owed)


def test_eight_concurrent_api_resumes_of_a_stuck_run_execute_it_once(api, owed, tmp_path, finance_user):
    run = _stuck_run(api, tmp_path)
    answers = in_threads(*[lambda: token_client(finance_user).post(f"/api/settlement-runs/{run.pk}/resume/")] * 8)

    responses = [value for _, value in answers]
    assert sorted(r.status_code for r in responses) == [200] + [409] * 7, answers
    assert {r.json()["code"] for r in responses if r.status_code == 409} <= {"run_in_progress", "run_completed"}
    (done,) = [r.json() for r in responses if r.status_code == 200]
    assert (done["status"], done["workersDone"], done["workersTotal"]) == ("COMPLETED", WORKERS, WORKERS)
    assert len(set(run.chunks.filter(seq__gte=2).values_list("done_by", flat=True))) == 1
    assert_paid_exactly_once(run, owed)
