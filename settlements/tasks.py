"""Background tasks (django-tasks; Django 6 ships the same API as `django.tasks`).

With the default `immediate` backend they run at once in the enqueuing process; with `database`
they wait in the database for `python manage.py db_worker`. Arguments are ids, never models: a
task must be JSON-serialisable to be stored.
"""

from django_tasks import task

from settlements import payouts
from settlements.gateway import simulated_deliver, simulated_event_body
from settlements.models import SettlementRun
from settlements.services import settlement_run_execute
from settlements.services.run_lease import RunCompleted, RunInProgress


@task()
def settlement_run_task(run_id: int) -> dict:
    """Execute (or finish) a run, then retry any payout submission an earlier crash left behind.

    A run already COMPLETED, or held by another live execution (a resume that came first), is left
    alone: that is not a failure of this task.
    """
    try:
        run = settlement_run_execute(run=SettlementRun.objects.get(pk=run_id))
    except (RunCompleted, RunInProgress) as exc:
        return {"runId": run_id, "skipped": exc.code}
    retried = payouts.payouts_submit_pending()
    return {"runId": run.pk, "status": run.status, "payoutsRetried": len(retried)}


@task()
def simulated_payout_report(*, reference: str, remittance_id: int, outcome: str, idempotency_key: str) -> int:
    """The simulated provider reporting a payout's outcome through the signed webhook."""
    raw_body = simulated_event_body(
        reference=reference, remittance_id=remittance_id, outcome=outcome, idempotency_key=idempotency_key
    )
    return simulated_deliver(raw_body=raw_body)
