"""A known data set for /metrics and /readyz, built through the API.

October run (period end 2024-10-31): Alice (USD, 10.00/h) 60 + 90 + 30 min = 30.00, left PENDING; Bob (USD,
45.39/h) 10 min = 7.57, PAID; Chloé (EUR, 20.00/h) 30 min = 10.00, CANCELLED (her 10.00 is unremitted
again). Dan (USD, 12.00/h) works 60 min in November: 12.00 not yet due. So:

- remittances: PENDING USD 1 (30.00), PAID USD 1 (7.57), CANCELLED EUR 1 (10.00);
- owed: USD unremitted 12.00 and pending 30.00; EUR unremitted 10.00 and pending 0.00;
- the run: 4 workers settled (Dan with nothing due) and 5 items claimed.
"""

from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from ops.models import JobRun, JobRunStatus
from settlements.models import PayoutSubmission, Remittance, SettlementRun
from settlements.services.approvals import settlement_run_approve
from tests.support.api_helpers import cancel, generate, new_worklog, pay, record, remittance_of, ts
from tests.support.factories import FinanceUserFactory

OCT = "2024-10-31"


def build(api) -> dict:
    alice = new_worklog(api, rate="10.00")
    record(api, alice["id"], ts("2024-10-03"), 60)
    record(api, alice["id"], ts("2024-10-04"), 90)
    record(api, alice["id"], ts("2024-10-07"), 30)
    bob = new_worklog(api, rate="45.39")
    record(api, bob["id"], ts("2024-10-05"), 10)
    chloe = new_worklog(api, rate="20.00", currency="EUR")
    record(api, chloe["id"], ts("2024-10-06"), 30)
    dan = new_worklog(api, rate="12.00")
    record(api, dan["id"], ts("2024-11-02"), 60)
    run = generate(api, OCT)
    pay(api, remittance_of(run, bob["workerId"])["id"])
    cancel(api, remittance_of(run, chloe["workerId"])["id"])
    return {"run": run, "alice": remittance_of(run, alice["workerId"])}


def set_run_duration(run_id: int, seconds: int) -> None:
    run = SettlementRun.objects.get(pk=run_id)
    SettlementRun.objects.filter(pk=run_id).update(started_at=run.finished_at - timedelta(seconds=seconds))


def payout_in_doubt(remittance_id: int) -> PayoutSubmission:
    """A submission whose attempt was counted and whose answer never came (the process died). Only an
    approved run's remittances are submitted (the database insists), so a second user approves it first."""
    remittance = Remittance.objects.get(pk=remittance_id)
    settlement_run_approve(run=remittance.run, actor=FinanceUserFactory())
    return PayoutSubmission.objects.create(
        remittance=remittance,
        idempotency_key=f"remittance-{remittance_id}",
        gateway="simulated",
        attempts=1,
    )


def stalled_run() -> SettlementRun:
    return SettlementRun.objects.create(
        period_end="2024-09-30", status="RUNNING", lease_owner="3f0c1f4e-0000-4000-8000-000000000001",
        lease_expires_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip


def queued_task(waited_seconds: int) -> DBTaskResult:
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {"run_id": 1}},
        task_path="settlements.tasks.settlement_run_task",
        backend_name="default",
        run_after=get_date_max(),
    )
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - timedelta(seconds=waited_seconds))
    return task


def audit_found(differences: int) -> JobRun:
    now = timezone.now()
    return JobRun.objects.create(
        job="audit_totals", slot=now.replace(second=0, microsecond=0), status=JobRunStatus.SUCCEEDED,
        claimed_by="test", lease_expires_at=now, started_at=now, finished_at=now,
        result={"differences": differences, "worklogs": 4, "workers": 4},
    )  # fmt: skip
