"""Reads of workers, worklogs and segments, scoped to what the viewer may see.

Worklog amounts come from the running totals on the row, so a page of worklogs is one query.
"""

from decimal import Decimal

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, MoneySum
from worklogs.models import (
    REMITTED_Q,
    Adjustment,
    Item,
    ItemKind,
    Segment,
    Task,
    Worker,
    WorkLog,
    WorkLogRemittanceStatus,
)


def worker_list(*, viewer_worker: Worker | None = None) -> QuerySet[Worker]:
    qs = Worker.objects.order_by("pk")
    return qs.filter(pk=viewer_worker.pk) if viewer_worker else qs


def worker_list_with_totals() -> QuerySet[Worker]:
    """Workers with `amount_total` and `remitted_total`: sums of their worklogs' running totals."""
    money: DecimalField[Decimal, Decimal] = DecimalField(
        max_digits=MONEY_MAX_DIGITS + 6, decimal_places=MONEY_DECIMAL_PLACES
    )
    zero = Value(0, output_field=money)
    return worker_list().annotate(
        amount_total=Coalesce(MoneySum("worklogs__amount"), zero, output_field=money),
        remitted_total=Coalesce(MoneySum("worklogs__remitted_amount"), zero, output_field=money),
    )


def task_list() -> QuerySet[Task]:
    return Task.objects.order_by("pk")


def worklog_list(*, viewer_worker: Worker | None = None) -> QuerySet[WorkLog]:
    """Worklogs by id; `WorkLogFilter` narrows them by status, worker, task."""
    qs = WorkLog.objects.order_by("pk")
    return qs.filter(worker=viewer_worker) if viewer_worker else qs


def worklogs_in_status(worklogs: QuerySet[WorkLog], *, remittance_status: str) -> QuerySet[WorkLog]:
    """Narrow worklogs to one `remittanceStatus` (REMITTED or UNREMITTED)."""
    if remittance_status == WorkLogRemittanceStatus.REMITTED:
        return worklogs.filter(REMITTED_Q)
    return worklogs.exclude(REMITTED_Q)


def segment_list(*, viewer_worker: Worker | None = None) -> QuerySet[Segment]:
    """Segments with their earning's cents (`earning_amount`) in the same query."""
    earning = Item.objects.filter(segment=OuterRef("pk"), kind=ItemKind.EARNING).values("amount")[:1]
    qs = Segment.objects.order_by("pk").annotate(earning_amount=Subquery(earning))
    if viewer_worker is not None:
        qs = qs.filter(worker=viewer_worker)
    return qs


def adjustment_list() -> QuerySet[Adjustment]:
    return Adjustment.objects.order_by("pk")


def item_list(*, worklog: WorkLog) -> QuerySet[Item]:
    return Item.objects.filter(worklog=worklog).order_by("pk")
