"""The figures operations watch (/metrics, /readyz): remittances by status and currency, what is
owed, payouts in doubt, runs that stalled and the last run's pace. A few set-based aggregates each,
whatever the size; every definition is here once.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Now

from core.money import MoneySum
from settlements.models import (
    LIVE_REMITTANCE_STATUSES,
    OPEN_REMITTANCE_STATUSES,
    Claim,
    PayoutSubmission,
    PayoutSubmissionStatus,
    Remittance,
    RunStatus,
    SettlementRun,
)
from settlements.selectors.runs import runs_stalled
from worklogs.models import WorkLog

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class RemittanceFigure:
    status: str
    currency: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class OwedFigure:
    """What the workers are owed in one currency: `unremitted` (earned, in no live remittance; a
    deduction larger than later work makes it negative) and `pending` (in a PENDING or PROCESSING
    remittance). Conservation (API.md): unremitted + pending + remitted = the worklogs' amounts."""

    currency: str
    unremitted: Decimal
    pending: Decimal


@dataclass(frozen=True)
class LastRunFigure:
    run_id: int
    duration_seconds: float
    workers: int
    items: int


def remittance_figures() -> list[RemittanceFigure]:
    rows = (
        Remittance.objects.values("status", "currency")
        .annotate(n=Count("pk"), total=MoneySum("amount"))
        .order_by("currency", "status")
    )
    return [RemittanceFigure(r["status"], r["currency"], r["n"], r["total"] or ZERO) for r in rows]


def owed_figures(remittances: list[RemittanceFigure] | None = None) -> list[OwedFigure]:
    """Per currency, from the worklogs' cached amounts and `remittances` (read when not given)."""
    remittances = remittance_figures() if remittances is None else remittances
    earned = {
        row["currency"]: row["total"] or ZERO
        for row in WorkLog.objects.values("currency").annotate(total=MoneySum("amount")).order_by()
    }
    live: dict[str, Decimal] = {}
    pending: dict[str, Decimal] = {}
    for figure in remittances:
        if figure.status in LIVE_REMITTANCE_STATUSES:
            live[figure.currency] = live.get(figure.currency, ZERO) + figure.amount
        if figure.status in OPEN_REMITTANCE_STATUSES:
            pending[figure.currency] = pending.get(figure.currency, ZERO) + figure.amount
    return [
        OwedFigure(currency, earned.get(currency, ZERO) - live.get(currency, ZERO), pending.get(currency, ZERO))
        for currency in sorted(set(earned) | set(live))
    ]


def payout_submissions_in_doubt() -> QuerySet[PayoutSubmission]:
    """Submissions whose call may have reached the provider without us knowing the answer: IN_DOUBT
    (out of attempts: finance checks with the provider, then retries from the admin), PENDING after
    an attempt (waiting for its retry, the provider asked first), or SUBMITTING by a process whose
    lease expired (it died during the call). Before payouts resume after a restore, each must be
    reconciled with the provider (docs/DEPLOYMENT.md)."""
    return PayoutSubmission.objects.filter(
        Q(status=PayoutSubmissionStatus.IN_DOUBT)
        | Q(status=PayoutSubmissionStatus.PENDING, attempts__gt=0)
        | Q(status=PayoutSubmissionStatus.SUBMITTING, lease_expires_at__lte=Now())
    )


def runs_stalled_count() -> int:
    return runs_stalled().count()


def last_completed_run() -> LastRunFigure | None:
    """The latest COMPLETED run's execution time (from its first lease to its completion), workers and
    items (claims) settled; None before the first, or for a run with no recorded start."""
    run = (
        SettlementRun.objects.filter(status=RunStatus.COMPLETED, finished_at__isnull=False, started_at__isnull=False)
        .order_by("-finished_at", "-pk")
        .first()
    )
    if run is None or run.started_at is None or run.finished_at is None:
        return None
    started: datetime = run.started_at
    return LastRunFigure(
        run_id=run.pk,
        duration_seconds=max(0.0, (run.finished_at - started).total_seconds()),
        workers=run.workers_done,
        items=Claim.objects.filter(remittance__run_id=run.pk).count(),
    )
