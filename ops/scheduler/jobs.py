"""The scheduled jobs: each takes its slot (the scheduled instant) and returns a JSON-able result,
kept in its lease row (`ops.models.JobRun.result`). Each calls the same functions as the API and the
commands; none holds a lock of its own.
"""

import logging
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from api.models import IdempotencyKey
from core.errors import Conflict
from ledger.services import ledger_months_close
from ops.models import JobRun, JobRunStatus
from settlements.advice.mail import advice_emails_send_due
from settlements.gateway import get_gateway
from settlements.payouts.outbox import payouts_sweep
from settlements.selectors import runs_stalled
from settlements.selectors.audit import audit_report
from settlements.tasks import settlement_run_resume, settlement_run_start

logger = logging.getLogger(__name__)
# How many of the audit's differences are written to the log, one error line each.
AUDIT_LOGGED_DIFFERENCES = 50
FINISHED_TASK_STATUSES = ("SUCCESSFUL", "FAILED")


def period_end_before(slot: datetime) -> date:
    """The last day of the month before the slot's date (in TIME_ZONE): the month a run on the 1st pays."""
    return timezone.localtime(slot).date().replace(day=1) - timedelta(days=1)


def monthly_settlement_run(slot: datetime) -> dict[str, Any]:
    """The month's settlement run, created as the API creates one in the background: QUEUED for the
    task workers (fanned out across them with the database backend), executed at once in this process
    with the immediate backend. It has no human creator; with four-eyes approval on
    (`SETTLEMENT_APPROVAL_REQUIRED`) its payouts wait until a finance user approves it."""
    run = settlement_run_start(period_end=period_end_before(slot), created_by=None, background=True)
    run.refresh_from_db()
    waiting = " It awaits approval by a finance user before any payout is sent." if run.awaiting_approval else ""
    logger.info(
        "Settlement run %s created for period end %s.%s", run.pk, run.period_end, waiting, extra={"run_id": run.pk}
    )
    return {
        "run_id": run.pk,
        "period_end": run.period_end.isoformat(),
        "status": run.status,
        "approval": run.approval_state,
    }


def payout_sweep(slot: datetime) -> dict[str, Any]:
    """The outbox's sweeper (what `manage.py submit_payouts` does): every due submission (new, past
    its backoff, or abandoned by a process that died during its call) is claimed and sent, the
    provider asked first whether it holds the key when an earlier answer was lost; out of attempts,
    one is IN_DOUBT. The slot's lease row keeps two schedulers from sweeping the same slot."""
    if not get_gateway().submits:
        return {"submitted": 0, "pending": 0, "in_doubt": 0}
    submissions = payouts_sweep()
    counts = Counter(s.status for s in submissions)
    return {
        "submitted": counts["SUBMITTED"],
        "pending": len(submissions) - counts["SUBMITTED"] - counts["IN_DOUBT"],
        "in_doubt": counts["IN_DOUBT"],
    }


def advice_emails(slot: datetime) -> dict[str, Any]:
    """Send the PAID remittances' advice e-mails whose retry is due (`manage.py send_advice_emails`)."""
    return advice_emails_send_due()


def resume_stalled_runs(slot: datetime) -> dict[str, Any]:
    """Resume every run whose execution died (its lease expired), in the background like the API's resume."""
    resumed, skipped = [], []
    for run in runs_stalled():
        try:
            settlement_run_resume(run=run, background=True)
        except Conflict:  # resumed by someone else meanwhile, or completed
            skipped.append(run.pk)
            continue
        logger.warning("Settlement run %s had stalled; resumed.", run.pk, extra={"run_id": run.pk})
        resumed.append(run.pk)
    return {"resumed": resumed, "skipped": skipped}


def ledger_close(slot: datetime) -> dict[str, Any]:
    """Close the ledger's months that have been over for a day (`ledger_months_close`): what the
    dashboard's owed-over-time chart reads instead of their postings."""
    return {"closed": [month.isoformat() for month in ledger_months_close()]}


def nightly_audit(slot: datetime) -> dict[str, Any]:
    """`audit_totals` (the set-based checks): every difference is an error line; the count is kept
    in the lease row, where /metrics and /readyz read it."""
    report = audit_report(check_selectors=False)
    for difference in report.differences[:AUDIT_LOGGED_DIFFERENCES]:
        logger.error("audit_totals: %s", difference, extra={"audit_scope": difference.scope})
    if report.differences:
        logger.error(
            "audit_totals found %s difference(s) in %s worklogs and %s workers.",
            len(report.differences),
            report.worklogs,
            report.workers,
        )
    return {
        "differences": len(report.differences),
        "worklogs": report.worklogs,
        "workers": report.workers,
        "first": [str(d) for d in report.differences[:AUDIT_LOGGED_DIFFERENCES]],
    }


def prune(slot: datetime) -> dict[str, Any]:
    """Delete what has outlived its use: idempotency keys and finished task results past their
    retention, and old slot rows of the scheduler (the latest of each job is kept). Provider events,
    runs and every money fact are kept."""
    now = timezone.now()
    keys_before = now - timedelta(days=settings.IDEMPOTENCY_KEY_RETENTION_DAYS)
    results_before = now - timedelta(days=settings.TASK_RESULT_RETENTION_DAYS)
    keys, _ = IdempotencyKey.objects.filter(created_at__lt=keys_before).delete()
    results, _ = DBTaskResult.objects.filter(status__in=FINISHED_TASK_STATUSES, finished_at__lt=results_before).delete()
    latest = JobRun.objects.values("job").annotate(latest=Max("slot")).values_list("job", "latest")
    keep = [JobRun.objects.get(job=job, slot=slot).pk for job, slot in latest]
    slots, _ = (
        JobRun.objects.filter(slot__lt=results_before)
        .exclude(status=JobRunStatus.RUNNING)
        .exclude(pk__in=keep)
        .delete()
    )
    return {"idempotency_keys": keys, "task_results": results, "job_runs": slots}
