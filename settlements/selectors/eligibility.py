"""What a settlement run takes (API.md money rule 4), and what a run would take now."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from core.instants import local_today
from core.money import CENT, MoneySum
from settlements.models import (
    LIVE_REMITTANCE_STATUSES,
    OPEN_REMITTANCE_STATUSES,
    Claim,
    Remittance,
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


def eligible_totals_by_worker(*, period_end: date, worker_ids: Iterable[int] | None = None) -> dict[int, Decimal]:
    """Per worker, the total a run for `period_end` would take (including totals <= 0)."""
    items = items_eligible(period_end=period_end)
    if worker_ids is not None:
        items = items.filter(worker_id__in=list(worker_ids))
    rows = items.values("worker_id").annotate(total=MoneySum("amount")).order_by("worker_id")
    return {row["worker_id"]: row["total"] for row in rows}


def workers_with_live_remittance(*, period_end: date, worker_ids: Iterable[int]) -> set[int]:
    return set(
        Remittance.objects.filter(
            worker_id__in=list(worker_ids), period_end=period_end, status__in=LIVE_REMITTANCE_STATUSES
        ).values_list("worker_id", flat=True)
    )


@dataclass
class PreviewTotal:
    """What a run for a period end would pay now in one currency: how many workers, how much."""

    currency: str
    workers: int = 0
    total: Decimal = ZERO


def _held_items(*, period_end: date) -> QuerySet[Item, Any]:
    """(id, worker id, amount) of the unsettled items a run for `period_end` leaves for later: the
    complement, among unsettled items, of `items_eligible`'s date and hold tests. Not due (a work
    date or an effective date after `period_end`), an earning whose segment is DISPUTED, an earning
    whose reversal is not due yet. Each part starts from its own index (work date, effective date,
    disputed segments), so the set costs what it holds, not the size of the history; an item in
    two parts is one row of the union."""
    unsettled = items_unsettled()
    columns = ("pk", "worker_id", "amount")
    not_worked_yet = unsettled.filter(work_date__gt=period_end)
    not_effective_yet = unsettled.filter(effective_date__gt=period_end)
    disputed = unsettled.filter(segment__status=SegmentStatus.DISPUTED)
    waits_for_reversal = unsettled.filter(reversed_by__effective_date__gt=period_end)
    parts = [
        q.order_by().values_list(*columns) for q in (not_worked_yet, not_effective_yet, disputed, waits_for_reversal)
    ]
    return parts[0].union(*parts[1:])


def held_totals_by_worker(*, period_end: date) -> dict[int, Decimal]:
    """{worker id: the sum of `_held_items`}, summed by the database (whole cents on every backend)."""
    sql, params = _held_items(period_end=period_end).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH held (item_id, worker_id, amount) AS ({sql}) "  # noqa: S608 (the ORM's own SQL and params)
            "SELECT worker_id, SUM(ROUND(amount * 100)) FROM held GROUP BY worker_id",
            params,
        )
        return {worker_id: (Decimal(int(cents)) / 100).quantize(CENT) for worker_id, cents in cursor.fetchall()}


def settlement_preview_totals(*, period_end: date) -> dict[str, PreviewTotal]:
    """{currency: PreviewTotal}: `settlement_preview(...).paid` counted and summed per currency
    (the dashboard's "next run" figure), to the cent, in two queries whose cost does not grow with
    the settled history.

    A worker's eligible total is what is unsettled less what of it is held or not due:
    - unsettled = the worklogs' amounts less what was paid (their running totals, which the audit
      recomputes from the items) less the worker's PENDING and PROCESSING remittances (each the sum
      of its claimed items; an item is in one live remittance at most); one row per worker that
      has no live remittance for the period;
    - held = `held_totals_by_worker`: the unsettled items the run leaves (an index read each).
    `tests/scenarios/test_property.py` checks it against the reference model after random histories,
    `tests/settlements/test_preview_totals.py` against the dry run on every kind of payout."""
    earned = (
        WorkLog.objects.filter(worker_id=OuterRef("pk"))
        .order_by()
        .values("worker_id")
        .annotate(total=MoneySum(F("amount") - F("remitted_amount")))
        .values("total")
    )
    in_open_remittances = (
        Remittance.objects.filter(worker_id=OuterRef("pk"), status__in=OPEN_REMITTANCE_STATUSES)
        .order_by()
        .values("worker_id")
        .annotate(total=MoneySum("amount"))
        .values("total")
    )
    settled = Remittance.objects.filter(
        worker_id=OuterRef("pk"), period_end=period_end, status__in=LIVE_REMITTANCE_STATUSES
    )
    workers = (
        Worker.objects.filter(~Exists(settled))
        .annotate(earned=Subquery(earned), in_open_remittances=Subquery(in_open_remittances))
        .order_by("pk")
        .values_list("pk", "currency", "earned", "in_open_remittances")
    )
    held = held_totals_by_worker(period_end=period_end)
    figures: dict[str, PreviewTotal] = {}
    for worker_id, currency, earned_total, open_total in workers:
        total = ((earned_total or ZERO) - (open_total or ZERO) - held.get(worker_id, ZERO)).quantize(CENT)
        if total > 0:
            figure = figures.setdefault(currency, PreviewTotal(currency))
            figure.workers += 1
            figure.total += total
    return dict(sorted(figures.items()))


@dataclass
class SettlementPreview:
    """What `settlement_generate` would do now for a period end, without writing anything."""

    period_end: date
    paid: list[tuple[Worker, Decimal]] = field(default_factory=list)
    skipped: list[tuple[Worker, Decimal]] = field(default_factory=list)  # total <= 0: carried forward
    already_settled: list[Worker] = field(default_factory=list)  # a live remittance for this period

    @property
    def totals(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for worker, amount in self.paid:
            totals[worker.currency] = totals.get(worker.currency, ZERO) + amount
        return dict(sorted(totals.items()))


def settlement_preview(*, period_end: date, worker_ids: Collection[int] | None = None) -> SettlementPreview:
    """The same selectors the run uses: eligible totals, minus workers already paid for the period."""
    workers = Worker.objects.order_by("pk")
    if worker_ids is not None:
        workers = workers.filter(pk__in=list(worker_ids))
    totals = eligible_totals_by_worker(period_end=period_end, worker_ids=worker_ids)
    settled = workers_with_live_remittance(period_end=period_end, worker_ids=list(totals))
    preview = SettlementPreview(period_end=period_end)
    for worker in workers.filter(pk__in=list(totals)):
        total = totals[worker.pk]
        if worker.pk in settled:
            preview.already_settled.append(worker)
        elif total > 0:
            preview.paid.append((worker, total))
        else:
            preview.skipped.append((worker, total))
    return preview
