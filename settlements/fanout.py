"""A settlement run across any number of `db_worker` processes (TASKS_BACKEND=database).

`settlement_run_task` (settlements/tasks.py) hands the run here instead of executing it in one
worker. The run's execution is the same as in one process (`settlements.services.runs`): one lease,
one plan of chunks, each chunk one transaction that marks itself done, counts its workers and renews
the lease. Only the chunks travel: each becomes a task that any worker takes (the database queue
locks each task row for one worker, `SELECT ... FOR UPDATE SKIP LOCKED`).

1. `settlement_run_fan_out`: takes the lease for a new execution id, writes (or reads) the plan,
   enqueues one `settlement_chunk_task` per chunk still to settle, and a `settlement_run_watch_task`.
2. `settlement_chunk_task`: settles its chunk (a chunk already done is skipped, so a chunk run twice
   pays nobody twice), then closes the run if it was the last (`settlement_run_close`: the chunk that
   commits last sees all the others done) and sends the run's payouts. A chunk that fails fails the
   run, as in one process; the other chunks then stop (their execution lost its lease).
3. `settlement_run_watch_task`: runs when the lease would expire. A worker killed mid-chunk loses its
   transaction (nothing of the chunk committed) and its task stays RUNNING forever in the queue; no
   chunk commits any more, so the lease expires: the watch task then starts a new execution, which
   enqueues the chunks not done (the killed one again). While chunks keep committing it looks again
   a lease later. If the watch task itself is lost, the scheduler's `resume_stalled_runs` does the same.

No session-level lock anywhere: this works behind a transaction-pooling PgBouncer.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models.functions import Now
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from core.log_context import log_context
from settlements.models import RunStatus, SettlementRun, SettlementRunChunk
from settlements.payouts.outbox import payouts_submit_for_run, payouts_sweep
from settlements.services.run_lease import RunCompleted, RunInProgress, RunLeaseLost, run_finish
from settlements.services.runs import settlement_chunk_settle, settlement_run_begin, settlement_run_close

logger = logging.getLogger(__name__)
CHUNK_TASK = "settlements.fanout.settlement_chunk_task"
# The watch task looks again this long after the lease would expire.
WATCH_MARGIN_SECONDS = 1


def settlement_run_fan_out(*, run_id: int) -> dict[str, object]:
    """Start an execution of the run whose chunks the task workers settle. Raises `RunCompleted` or
    `RunInProgress` like any execution."""
    owner = uuid.uuid4()
    with log_context(run_id=run_id):
        run = SettlementRun.objects.get(pk=run_id)
        chunks, done, total = settlement_run_begin(run=run, owner=owner)
        if not chunks:  # nothing (left) to settle: the run is complete now
            if settlement_run_close(run_id=run_id, owner=owner):
                _send_payouts(run_id)
            return {"runId": run_id, "chunks": 0, "workersDone": done, "workersTotal": total}
        for chunk_id, _ in chunks:
            settlement_chunk_task.enqueue(run_id=run_id, chunk_id=chunk_id, owner=str(owner))
        _watch_later(run_id=run_id, owner=owner)
        logger.info("Settlement run %s: %s chunk(s) handed to the task workers.", run_id, len(chunks))
        return {"runId": run_id, "chunks": len(chunks), "workersDone": done, "workersTotal": total}


@task()
def settlement_chunk_task(run_id: int, chunk_id: int, owner: str) -> dict[str, object]:
    execution = uuid.UUID(owner)
    with log_context(run_id=run_id, chunk_id=chunk_id):
        if not SettlementRun.objects.filter(pk=run_id, lease_owner=execution).exists():
            return {"runId": run_id, "chunkId": chunk_id, "skipped": "another execution holds the run"}
        row = SettlementRunChunk.objects.filter(pk=chunk_id, run_id=run_id).values_list("worker_ids", "done_at").get()
        run = SettlementRun.objects.get(pk=run_id)
        workers = 0
        if row[1] is None:
            try:
                workers = settlement_chunk_settle(run=run, chunk=(chunk_id, list(row[0])), owner=execution)
            except RunLeaseLost:
                return {"runId": run_id, "chunkId": chunk_id, "skipped": "another execution holds the run"}
            except Exception as exc:  # as in one process: the first failure fails the run (resumable)
                error = str(exc) or type(exc).__name__
                run_finish(run_id=run_id, owner=execution, status=RunStatus.FAILED, error=error)
                raise
        if settlement_run_close(run_id=run_id, owner=execution):
            logger.info("Settlement run %s: the last chunk is done; the run is COMPLETED.", run_id)
            _send_payouts(run_id)
        return {"runId": run_id, "chunkId": chunk_id, "workers": workers}


@task()
def settlement_run_watch_task(run_id: int, owner: str) -> dict[str, object]:
    execution = uuid.UUID(owner)
    with log_context(run_id=run_id):
        run = SettlementRun.objects.filter(pk=run_id, lease_owner=execution, status=RunStatus.RUNNING).first()
        if run is None:
            return {"runId": run_id, "watching": False}  # completed, failed, or another execution has it
        if settlement_run_close(run_id=run_id, owner=execution):
            _send_payouts(run_id)
            return {"runId": run_id, "watching": False}
        if SettlementRun.objects.filter(pk=run_id, lease_owner=execution, lease_expires_at__gt=Now()).exists():
            _watch_later(run_id=run_id, owner=execution)
            return {"runId": run_id, "watching": True}
        logger.warning("Settlement run %s: no chunk committed for a whole lease; starting its chunks again.", run_id)
        _abandon_lost_chunk_tasks(owner=owner)
        try:
            return {"runId": run_id, "restarted": settlement_run_fan_out(run_id=run_id)}
        except (RunCompleted, RunInProgress) as exc:  # someone else resumed it first
            return {"runId": run_id, "skipped": exc.code}


def _watch_later(*, run_id: int, owner: uuid.UUID) -> None:
    delay = timedelta(seconds=settings.SETTLEMENT_RUN_LEASE_SECONDS + WATCH_MARGIN_SECONDS)
    settlement_run_watch_task.using(run_after=timezone.now() + delay).enqueue(run_id=run_id, owner=str(owner))


def _abandon_lost_chunk_tasks(*, owner: str) -> None:
    """The queue never learns that a worker died holding a task: its row stays RUNNING. Mark the old
    execution's unfinished chunk tasks FAILED, so the queue tells the truth."""
    lost = DBTaskResult.objects.filter(task_path=CHUNK_TASK, status="RUNNING", args_kwargs__kwargs__owner=owner)
    count = lost.update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path="settlements.fanout.WorkerLost",
        traceback="The worker executing this chunk stopped before it finished; a new execution settles the chunk.",
    )
    if count:
        logger.warning("%s chunk task(s) of a lost worker marked FAILED.", count)


def _send_payouts(run_id: int) -> None:
    """The run's payouts, and any an earlier crash left behind (as `settlement_run_task` does)."""
    payouts_submit_for_run(run_id=run_id)
    payouts_sweep()
