"""Background tasks (django-tasks; Django 6 ships the same API as `django.tasks`).

With the default `immediate` backend they run at once in the enqueuing process; with `database`
they wait in the database for `python manage.py db_worker`. Arguments are ids, never models: a
task must be JSON-serialisable to be stored. (The simulated provider's report is a task of its own
gateway module.)
"""

from django_tasks import task

from settlements.models import SettlementRun
from settlements.payouts.outbox import payouts_submit_pending
from settlements.services.runs import settlement_run_execute


@task()
def settlement_run_task(run_id: int) -> dict:
    """Execute (or finish) a run, then retry any payout submission an earlier crash left behind."""
    run = settlement_run_execute(run=SettlementRun.objects.get(pk=run_id))
    retried = payouts_submit_pending()
    return {"runId": run.pk, "status": run.status, "payoutsRetried": len(retried)}
