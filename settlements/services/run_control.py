"""Starting a run now or in the background, and resuming one that died.

A run executes in `settlements.tasks.settlement_run_task` when it is started in the background.
`settlement_run_execute` is safe to call again on the same run (workers already settled for the
period are skipped, and the database refuses a second live remittance per worker and period), so
resuming never pays anyone twice.
"""

import logging
from datetime import date

from django.db import transaction

from core.errors import Conflict
from settlements.models import RunStatus, SettlementRun
from settlements.services.runs import settlement_generate, settlement_run_create, settlement_run_execute
from settlements.tasks import settlement_run_task

logger = logging.getLogger(__name__)


def settlement_run_enqueue(*, run: SettlementRun) -> None:
    """Hand the run to the task backend once the run row has committed."""

    def enqueue() -> None:
        try:
            settlement_run_task.enqueue(run_id=run.pk)
        except Exception:  # the run stays QUEUED; resuming it runs it
            logger.exception("Could not enqueue settlement run %s; resume it.", run.pk)

    transaction.on_commit(enqueue)


def settlement_run_start(*, period_end: date | None, created_by=None, background: bool = False) -> SettlementRun:
    """A run for `period_end`: executed now, or QUEUED for the task backend when `background`."""
    if background:
        run = settlement_run_create(period_end=period_end, created_by=created_by)
        settlement_run_enqueue(run=run)
        return run
    return settlement_generate(period_end=period_end, created_by=created_by)


def settlement_run_resume(*, run: SettlementRun, background: bool = False) -> SettlementRun:
    """Finish a FAILED run, or a QUEUED or RUNNING one whose process died. A COMPLETED run is a conflict."""
    if run.status == RunStatus.COMPLETED:
        raise Conflict(f"Run {run.pk} is already COMPLETED.", code="run_completed")
    if background:
        settlement_run_enqueue(run=run)
        return run
    return settlement_run_execute(run=run)
