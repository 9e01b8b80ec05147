"""Reads for settlements: what is eligible, balances, runs and remittances with their worklogs."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from ledger.instants import local_today
from ledger.money import CENT, MoneySum
from settlements.models import (
    LIVE_REMITTANCE_STATUSES,
    OPEN_REMITTANCE_STATUSES,
    Claim,
    Remittance,
    RemittanceStatus,
    SettlementRun,
)
from worklogs.models import Item, Segment, SegmentStatus, Worker, WorkLog

ZERO = Decimal("0.00")


def default_period_end(today: date | None = None) -> date:
    """The last day of the previous calendar month, in the settings' time zone."""
    today = today or local_today()
    return today.replace(day=1) - timedelta(days=1)


def items_unsettled() -> QuerySet[Item]:
    """Items not in a live (PENDING, PROCESSING or PAID) remittance."""
    live_claim = Claim.objects.filter(item=OuterRef("pk"), remittance__status__in=LIVE_REMITTANCE_STATUSES)
    return Item.objects.exclude(Exists(live_claim))


def items_eligible(*, period_end: date, worker_ids: list[int] | None = None) -> QuerySet[Item]:
    """API.md money rule 4: unsettled, not held, and due by `period_end`.

    - an earning is due by its work date; a correction by its effectiveDate, or at once without;
      a reversal also copies its earning's work date, so it is never due before the earning;
    - an earning whose segment is DISPUTED is held;
    - an unpaid earning and its reversal settle together: the earning waits for its reversal.

    With `worker_ids` (a settlement chunk), every subquery is narrowed to those workers too (a
    claim's remittance, a segment and a reversal all belong to their item's worker), so each is a
    small set read through an index rather than an anti-join over the whole claim history.
    """
    live_claims = Claim.objects.filter(item=OuterRef("pk"), remittance__status__in=LIVE_REMITTANCE_STATUSES)
    # Only an earning's segment can be DISPUTED: a segment with a reversal is REMOVED or SUPERSEDED
    # for good, so "the item's segment is disputed" holds exactly the earnings of money rule 3.
    disputed = Segment.objects.filter(pk=OuterRef("segment_id"), status=SegmentStatus.DISPUTED)
    late_reversal = Item.objects.filter(
        reverses=OuterRef("pk"), effective_date__isnull=False, effective_date__gt=period_end
    )
    items = Item.objects.all()
    if worker_ids is not None:
        worker_ids = list(worker_ids)
        live_claims = live_claims.filter(remittance__worker_id__in=worker_ids)
        disputed = disputed.filter(worker_id__in=worker_ids)
        late_reversal = late_reversal.filter(worker_id__in=worker_ids)
        items = items.filter(worker_id__in=worker_ids)
    return (
        items.filter(Q(work_date__isnull=True) | Q(work_date__lte=period_end))
        .filter(Q(effective_date__isnull=True) | Q(effective_date__lte=period_end))
        .filter(~Exists(live_claims), ~Exists(disputed), ~Exists(late_reversal))
    )


def eligible_totals_by_worker(*, period_end: date, worker_ids=None) -> dict[int, Decimal]:
    """Per worker, the total a run for `period_end` would take (including totals <= 0)."""
    items = items_eligible(period_end=period_end)
    if worker_ids is not None:
        items = items.filter(worker_id__in=list(worker_ids))
    rows = items.values("worker_id").annotate(total=MoneySum("amount")).order_by("worker_id")
    return {row["worker_id"]: row["total"] for row in rows}


def workers_with_live_remittance(*, period_end: date, worker_ids) -> set[int]:
    return set(
        Remittance.objects.filter(
            worker_id__in=list(worker_ids), period_end=period_end, status__in=LIVE_REMITTANCE_STATUSES
        ).values_list("worker_id", flat=True)
    )


def worker_balance(*, worker: Worker) -> dict:
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


def remittance_list(*, viewer_worker: Worker | None = None) -> QuerySet[Remittance]:
    qs = Remittance.objects.order_by("pk")
    if viewer_worker is not None:
        qs = qs.filter(worker=viewer_worker)
    return qs


def remittance_worklog_amounts(*, remittance_ids) -> dict[int, list[dict]]:
    """{remittance id: [{worklog_id, amount}]}, summed in SQL in one query for a whole page."""
    rows = (
        Claim.objects.filter(remittance_id__in=list(remittance_ids))
        .values("remittance_id", "worklog_id")
        .annotate(amount=MoneySum("amount"))
        .order_by("remittance_id", "worklog_id")
    )
    amounts: dict[int, list[dict]] = {rid: [] for rid in remittance_ids}
    for row in rows:
        amounts[row["remittance_id"]].append({"worklog_id": row["worklog_id"], "amount": row["amount"]})
    return amounts


def run_totals(run: SettlementRun) -> dict[str, Decimal]:
    return runs_summaries(run_ids=[run.pk])[run.pk][1]


def run_list() -> QuerySet[SettlementRun]:
    return SettlementRun.objects.order_by("pk")


def runs_summaries(*, run_ids) -> dict[int, tuple[int, dict[str, Decimal]]]:
    """{run id: (remittance count, {currency: total})} for a whole page of runs in one query."""
    summaries: dict[int, tuple[int, dict[str, Decimal]]] = {run_id: (0, {}) for run_id in run_ids}
    rows = (
        Remittance.objects.filter(run_id__in=list(run_ids))
        .values("run_id", "currency")
        .annotate(count=Count("pk"), total=MoneySum("amount"))
        .order_by("run_id", "currency")
    )
    for row in rows:
        count, totals = summaries[row["run_id"]]
        totals[row["currency"]] = row["total"]
        summaries[row["run_id"]] = (count + row["count"], totals)
    return summaries
