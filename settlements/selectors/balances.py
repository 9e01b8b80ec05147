"""A worker's balance (API.md): unremitted, pending and remitted, summed in SQL."""

from decimal import Decimal
from typing import TypedDict

from core.money import CENT, MoneySum
from settlements.models import LIVE_REMITTANCE_STATUSES, OPEN_REMITTANCE_STATUSES, Remittance, RemittanceStatus
from worklogs.models import Worker, WorkLog

ZERO = Decimal("0.00")


class WorkerBalance(TypedDict):
    worker_id: int
    currency: str
    unremitted: Decimal
    pending: Decimal
    remitted: Decimal


def worker_balance(*, worker: Worker) -> WorkerBalance:
    """API.md balance: remitted = PAID, pending = PENDING/PROCESSING, unremitted = the rest."""
    total = WorkLog.objects.filter(worker=worker).aggregate(total=MoneySum("amount"))["total"] or ZERO
    by_status = dict(
        Remittance.objects.filter(worker=worker, status__in=LIVE_REMITTANCE_STATUSES)
        .values("status")
        .annotate(total=MoneySum("amount"))
        .order_by()
        .values_list("status", "total")
    )
    remitted = by_status.get(RemittanceStatus.PAID, ZERO)
    pending = sum((by_status.get(s, ZERO) for s in OPEN_REMITTANCE_STATUSES), ZERO)
    return {
        "worker_id": worker.pk,
        "currency": worker.currency,
        # Quantized: SQLite hands sums back with whatever scale its float arithmetic produced.
        "unremitted": (total - pending - remitted).quantize(CENT),
        "pending": pending.quantize(CENT),
        "remitted": remitted.quantize(CENT),
    }
