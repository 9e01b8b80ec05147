"""The business alarms, read the same way by /readyz (as "degraded") and /metrics: the oldest task
waiting in the queue, payouts in doubt, runs whose lease expired, and the last audit's differences.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, DateTimeField, F, Min, When
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from ops.models import JobRun, JobRunStatus
from settlements.selectors.operations import payout_submissions_in_doubt, runs_stalled_count

AUDIT_JOB = "audit_totals"


def oldest_queued_task_age_seconds() -> float:
    """How long the oldest task ready to run has been waiting (0 when none; a task scheduled for
    later waits from its `run_after`). Always 0 with the immediate backend: nothing is queued."""
    due = (
        DBTaskResult.objects.filter(status="READY")
        .annotate(
            waiting_since=Case(
                When(run_after=get_date_max(), then=F("enqueued_at")),
                default=F("run_after"),
                output_field=DateTimeField(),
            )
        )
        .filter(waiting_since__lte=timezone.now())
        .aggregate(oldest=Min("waiting_since"))["oldest"]
    )
    return max(0.0, (timezone.now() - due).total_seconds()) if due else 0.0


@dataclass(frozen=True)
class LastAudit:
    differences: int
    finished_at: datetime | None


def last_audit() -> LastAudit | None:
    """The result of the latest nightly audit that finished (None before the first)."""
    row = (
        JobRun.objects.filter(job=AUDIT_JOB, status=JobRunStatus.SUCCEEDED)
        .order_by("-slot")
        .values("result", "finished_at")
        .first()
    )
    if row is None:
        return None
    return LastAudit(differences=int((row["result"] or {}).get("differences", 0)), finished_at=row["finished_at"])


def submissions_in_doubt() -> int:
    return payout_submissions_in_doubt().count()


def stalled_runs() -> int:
    return runs_stalled_count()
