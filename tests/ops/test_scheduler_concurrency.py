"""Two schedulers at once never run one job twice: real threads and real `run_scheduler` processes
race for the same slot on PostgreSQL; the unique (job, slot) row lets exactly one run it."""

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from django.db import connection

from ops.models import JobRun, JobRunStatus
from ops.scheduler.registry import Job
from ops.scheduler.runner import run_slot, scheduler_id
from settlements.models import RunStatus, SettlementRun
from tests.db_guards.threads import POSTGRES_THREADS, in_threads
from tests.settlements.crowd import crowd_owed

pytestmark = POSTGRES_THREADS
BASE_DIR = Path(__file__).resolve().parents[2]
SCHEDULERS = 6


def test_concurrent_schedulers_run_a_slot_once():
    ran = []
    lock = threading.Lock()

    def count(slot):
        with lock:
            ran.append(slot)
        time.sleep(0.2)  # still running while the others try
        return {"n": len(ran)}

    job = Job(name="counted", schedule="* * * * *", function=count)
    slot = datetime(2026, 11, 2, 10, 5, tzinfo=UTC)
    results = in_threads(*[lambda: run_slot(job, slot, scheduler_id()) for _ in range(SCHEDULERS)])

    assert sorted(value for _, value in results) == [False] * (SCHEDULERS - 1) + [True]
    assert ran == [slot]
    (row,) = JobRun.objects.all()
    assert (row.status, row.attempts, row.result) == (JobRunStatus.SUCCEEDED, 1, {"n": 1})


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_two_scheduler_processes_create_one_monthly_run():
    owed = crowd_owed(4)
    while datetime.now(UTC).second >= 50:  # both must see the same minute's slot
        time.sleep(1)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": _database_url(),
        "SCHEDULE_SETTLEMENT_RUN": "* * * * *",  # a slot every minute: the current one is due
    }
    command = [sys.executable, "manage.py", "run_scheduler", "--once", "--job", "settlement_run"]
    processes = [subprocess.Popen(command, cwd=BASE_DIR, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err

    (run,) = SettlementRun.objects.all()
    assert run.status == RunStatus.COMPLETED
    assert dict(run.remittances.values_list("worker_id", "amount")) == owed
    (row,) = JobRun.objects.all()
    assert (row.job, row.status, row.result["run_id"]) == ("settlement_run", JobRunStatus.SUCCEEDED, run.pk)
