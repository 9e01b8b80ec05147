"""Background work and what hands it out: runs executed now or later, payouts sent after commit.

Tasks use django-tasks (Django 6 ships the same API as `django.tasks`). With the default `immediate`
backend they run at once in the enqueuing process; with `database` they wait in the database for
`python manage.py db_worker`. Arguments are ids, never models: a task must be JSON-serialisable.

The services change state and return; side effects that must wait for a commit (calling the payout
provider) are scheduled here, by the functions the API, the admin and the commands call.
`settlement_run_execute` is safe to call again on the same run (workers already settled for the
period are skipped, and the database refuses a second live remittance per worker and period), so
resuming never pays anyone twice.
"""

import logging
from datetime import date

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django_tasks import task

from settlements.fanout import settlement_run_fan_out
from settlements.models import SettlementRun
from settlements.payouts.outbox import payouts_submit_for_run, payouts_submit_for_worker, payouts_submit_pending
from settlements.services.approvals import settlement_run_approve
from settlements.services.run_lease import RunCompleted, RunInProgress, settlement_run_resumable
from settlements.services.runs import settlement_generate, settlement_run_create, settlement_run_execute

logger = logging.getLogger(__name__)


@task()
def settlement_run_task(run_id: int) -> dict:
    """Execute (or finish) a run, then send its payouts and any an earlier crash left behind.

    A run already COMPLETED, or held by another live execution (a resume that came first), is left
    alone: that is not a failure of this task. With `SETTLEMENT_FAN_OUT` (the database backend's
    default) the run's chunks are handed to every task worker instead, and the chunk that completes
    the run sends its payouts.
    """
    try:
        if settings.SETTLEMENT_FAN_OUT:  # its chunks go to every db_worker (settlements/fanout.py)
            return settlement_run_fan_out(run_id=run_id)
        run = settlement_run_execute(run=SettlementRun.objects.get(pk=run_id))
    except (RunCompleted, RunInProgress) as exc:
        return {"runId": run_id, "skipped": exc.code}
    retried = payouts_submit_pending()
    return {"runId": run.pk, "status": run.status, "payoutsRetried": len(retried)}


def payouts_submit_after_commit(*, run: SettlementRun) -> None:
    """Send the run's payouts once what the caller wrote has committed (at once outside a transaction).

    `robust`: the run has committed; a provider outage must not turn its answer into an error (the
    submissions stay PENDING for `submit_payouts`).
    """
    transaction.on_commit(lambda: payouts_submit_for_run(run_id=run.pk), robust=True)


def payouts_submit_for_worker_after_commit(*, worker_id: int) -> None:
    """Send a worker's held payouts once the confirmation of its bank details has committed."""
    transaction.on_commit(lambda: payouts_submit_for_worker(worker_id=worker_id), robust=True)


def settlement_run_approve_then_submit(*, run: SettlementRun, actor: User) -> SettlementRun:
    """Approve the run (four eyes: `settlements.services.approvals`), then send its payouts once the
    approval has committed: with the immediate task backend, at once in this process."""
    run = settlement_run_approve(run=run, actor=actor)
    payouts_submit_after_commit(run=run)
    return run


def settlement_run_enqueue(*, run: SettlementRun) -> None:
    """Hand the run to the task backend once the run row has committed."""

    def enqueue() -> None:
        try:
            settlement_run_task.enqueue(run_id=run.pk)
        except Exception:  # the run stays QUEUED; resuming it runs it
            logger.exception("Could not enqueue settlement run %s; resume it.", run.pk)

    transaction.on_commit(enqueue)


def settlement_run_start(
    *, period_end: date | None, created_by: User | None = None, background: bool = False
) -> SettlementRun:
    """A run for `period_end`: executed now (its payouts sent after commit), or QUEUED for the backend."""
    if background:
        run = settlement_run_create(period_end=period_end, created_by=created_by)
        settlement_run_enqueue(run=run)
        return run
    run = settlement_generate(period_end=period_end, created_by=created_by)
    payouts_submit_after_commit(run=run)
    return run


def settlement_run_resume(*, run: SettlementRun, background: bool = False) -> SettlementRun:
    """Finish a FAILED, QUEUED or STALLED run. COMPLETED (`run_completed`) or held by a live execution
    (`run_in_progress`) is a conflict; in the background the task takes the lease itself, so this
    answers the conflict early."""
    if background:
        settlement_run_resumable(run=run)
        settlement_run_enqueue(run=run)
        return run
    run = settlement_run_execute(run=run)
    payouts_submit_after_commit(run=run)
    return run
