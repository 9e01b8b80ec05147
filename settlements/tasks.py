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


@task()
def settlement_run_task(run_id: int) -> dict:
    """Execute (or finish) a run, then retry any payout submission an earlier crash left behind."""
    run = settlement_run_execute(run=SettlementRun.objects.get(pk=run_id))
    retried = payouts.payouts_submit_pending()
    return {"runId": run.pk, "status": run.status, "payoutsRetried": len(retried)}


@task()
def simulated_payout_report(*, reference: str, remittance_id: int, outcome: str, idempotency_key: str) -> int:
    """The simulated provider reporting a payout's outcome through the signed webhook."""
    raw_body = simulated_event_body(
        reference=reference, remittance_id=remittance_id, outcome=outcome, idempotency_key=idempotency_key
    )
    return simulated_deliver(raw_body=raw_body)
