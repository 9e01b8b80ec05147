"""One execution per job and slot, however many schedulers run: a lease row (`ops.models.JobRun`).

A scheduler claims a slot by INSERTing its row: the unique (job, slot) constraint lets exactly one
insert commit, and every other scheduler finds the slot taken. While it runs the job it renews the
row's lease; if it dies, the lease expires and one conditional UPDATE hands the slot to exactly one
other scheduler. Lease times are the database's clock. No session-level lock, so this holds behind
a transaction-pooling PgBouncer.
"""

import logging
import traceback
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Value
from django.db.models.functions import Now
from django.utils import timezone

from ops.models import JobRun, JobRunStatus

logger = logging.getLogger(__name__)


def _lease_expiry() -> ExpressionWrapper:
    duration = Value(timedelta(seconds=settings.SCHEDULER_LEASE_SECONDS), output_field=DurationField())
    return ExpressionWrapper(Now() + duration, output_field=DateTimeField())


def job_slot_claim(*, job: str, slot: datetime, owner: str) -> JobRun | None:
    """This scheduler's row for the slot, or None when another scheduler has it (or had it and
    finished). A RUNNING row whose lease expired is taken over (its scheduler died)."""
    try:
        with transaction.atomic():
            run = JobRun.objects.create(
                job=job,
                slot=slot,
                claimed_by=owner,
                lease_expires_at=_lease_expiry(),
                started_at=timezone.now(),
            )
        run.refresh_from_db(fields=["lease_expires_at"])
        return run
    except IntegrityError:
        pass
    taken = JobRun.objects.filter(job=job, slot=slot, status=JobRunStatus.RUNNING, lease_expires_at__lte=Now()).update(
        claimed_by=owner, lease_expires_at=_lease_expiry(), attempts=F("attempts") + 1, started_at=timezone.now()
    )
    if not taken:
        return None
    logger.warning("Job %s slot %s: its scheduler died; this one runs it again.", job, slot.isoformat())
    return JobRun.objects.get(job=job, slot=slot)


def job_slot_renew(*, run_id: int, owner: str) -> bool:
    """Extend the lease while the job runs; False when another scheduler took the slot over."""
    return bool(
        JobRun.objects.filter(pk=run_id, claimed_by=owner, status=JobRunStatus.RUNNING).update(
            lease_expires_at=_lease_expiry()
        )
    )


def job_slot_finish(
    *, run_id: int, owner: str, result: dict[str, Any] | None = None, error: BaseException | None = None
) -> None:
    """Record the outcome (only if this scheduler still holds the slot)."""
    fields: dict[str, Any] = {"finished_at": timezone.now(), "lease_expires_at": timezone.now()}
    if error is None:
        fields.update(status=JobRunStatus.SUCCEEDED, result=result or {})
    else:
        text = "".join(traceback.format_exception(error))
        fields.update(status=JobRunStatus.FAILED, error=text[-20_000:])
    JobRun.objects.filter(pk=run_id, claimed_by=owner, status=JobRunStatus.RUNNING).update(**fields)
