"""The finance dashboard's figures (backoffice's admin home): what needs attention, the money per
currency, and the two charts' series. One query per figure, whatever the size of the data; every
list a count links to is the queryset here, so the count and the list never disagree.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.instants import local_day_start, local_today
from core.money import CENT, MoneySum
from ledger.models import AccountKind
from ledger.selectors import kind_totals_by_month
from settlements.models import (
    OPEN_REMITTANCE_STATUSES,
    AdviceEmail,
    AdviceEmailStatus,
    Claim,
    PayoutDestination,
    Remittance,
    RemittanceEvent,
    RemittanceStatus,
    RunStatus,
    SettlementRun,
)
from settlements.selectors.runs import runs_stalled
from worklogs.models import Segment, SegmentStatus, WorkLog

ZERO = Decimal("0.00")
# Statuses that gave a payout's items back to the next run after it had been issued, and that
# finance follows until the money is paid again: a failure, or a bank's return of a paid transfer.
# (CANCELLED is finance's own decision.)
RELEASED_BY_FAILURE = (RemittanceStatus.FAILED, RemittanceStatus.RETURNED)


# --- Needs attention -------------------------------------------------------------------------


def remittances_failed_not_repaid() -> QuerySet[Remittance]:
    """Failed payouts with at least one item that no PAID remittance has taken since."""
    paid_since = Claim.objects.filter(item_id=OuterRef("item_id"), remittance__status=RemittanceStatus.PAID)
    unpaid_item = Claim.objects.filter(remittance_id=OuterRef("pk")).filter(~Exists(paid_since))
    return Remittance.objects.filter(Exists(unpaid_item), status__in=RELEASED_BY_FAILURE).order_by("pk")


def runs_awaiting_approval() -> QuerySet[SettlementRun]:
    """Runs created with four-eyes approval on and neither approved nor rejected yet: their payouts
    wait for a finance user other than the run's creator."""
    return SettlementRun.objects.filter(
        approval_required=True, approved_at__isnull=True, rejected_at__isnull=True
    ).order_by("pk")


def payee_changes_awaiting_confirmation() -> QuerySet[PayoutDestination]:
    """Workers' current (latest) payout destinations not yet confirmed by a second finance user:
    their payouts are held out of bank files until then (`selectors.payees`)."""
    newer = PayoutDestination.objects.filter(worker_id=OuterRef("worker_id"), pk__gt=OuterRef("pk"))
    return PayoutDestination.objects.filter(~Exists(newer), confirmed_at__isnull=True).order_by("pk")


def runs_stalled_or_failed() -> QuerySet[SettlementRun]:
    """FAILED runs, and RUNNING runs whose lease expired (`runs_stalled`): both wait to be resumed."""
    stalled = runs_stalled().values("pk")
    return SettlementRun.objects.filter(Q(status=RunStatus.FAILED) | Q(pk__in=stalled)).order_by("pk")


def segments_disputed_before(*, cutoff: datetime) -> QuerySet[Segment]:
    """DISPUTED segments disputed before `cutoff`. A disputed segment changes only when it is
    resolved, removed or adjusted (and then is no longer DISPUTED), so its `updated_at` is the
    instant of the dispute."""
    return Segment.objects.filter(status=SegmentStatus.DISPUTED, updated_at__lt=cutoff).order_by("pk")


def dispute_cutoff(*, days: int, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=days)


# --- Money at a glance -------------------------------------------------------------------------


@dataclass
class CurrencyMoney:
    """What is owed in one currency, split as the balance endpoint splits it, and what was paid.

    `unremitted` (in no live remittance; negative when deductions exceed later work) + `pending` +
    `processing` = the worklogs' amounts less what was paid (API.md conservation)."""

    currency: str
    unremitted: Decimal = ZERO
    pending: Decimal = ZERO
    processing: Decimal = ZERO
    paid_this_month: Decimal = ZERO
    paid_last_month: Decimal = ZERO

    @property
    def owed(self) -> Decimal:
        return self.unremitted + self.pending + self.processing


def owed_by_currency() -> dict[str, CurrencyMoney]:
    """{currency: CurrencyMoney with unremitted, pending and processing}, in two queries (the
    worklogs' cached totals; the open remittances), the paid figures left at zero."""
    figures: dict[str, CurrencyMoney] = {}
    earned = WorkLog.objects.values("currency").annotate(amount=MoneySum("amount"), paid=MoneySum("remitted_amount"))
    for row in earned.order_by("currency"):
        figures[row["currency"]] = CurrencyMoney(
            row["currency"], unremitted=((row["amount"] or ZERO) - (row["paid"] or ZERO)).quantize(CENT)
        )
    open_rows = (
        Remittance.objects.filter(status__in=OPEN_REMITTANCE_STATUSES)
        .values("currency", "status")
        .annotate(total=MoneySum("amount"))
        .order_by("currency", "status")
    )
    for row in open_rows:
        figure = figures.setdefault(row["currency"], CurrencyMoney(row["currency"]))
        total = (row["total"] or ZERO).quantize(CENT)
        figure.unremitted -= total
        if row["status"] == RemittanceStatus.PROCESSING:
            figure.processing += total
        else:
            figure.pending += total
    return dict(sorted(figures.items()))


# --- The charts' series ------------------------------------------------------------------------


def month_starts(*, months: int, today: date | None = None) -> list[date]:
    """The first day of each of the last `months` months, oldest first, the current month last."""
    first = (today or local_today()).replace(day=1)
    starts = [first]
    for _ in range(months - 1):
        starts.append((starts[-1] - timedelta(days=1)).replace(day=1))
    return starts[::-1]


@dataclass
class MonthlySeries:
    """One value per month (the months of `month_starts`) for each currency."""

    months: list[date]
    values: dict[str, list[Decimal]] = field(default_factory=dict)

    def series(self, currency: str) -> list[Decimal]:
        return self.values.setdefault(currency, [ZERO] * len(self.months))


def _month_of(value: datetime | date) -> date:
    """TruncMonth's answer as a date (SQLite and PostgreSQL give a local datetime)."""
    return value.date() if isinstance(value, datetime) else value


def paid_by_month(*, months: int = 12, today: date | None = None) -> MonthlySeries:
    """Per currency, what was paid in each month (local time), net of returns: from the remittances'
    status events, a PAID event adds its amount in its month and a RETURNED one (the bank sent a
    paid transfer back) takes it off in the month of the return."""
    starts = month_starts(months=months, today=today)
    result = MonthlySeries(months=starts)
    rows = (
        RemittanceEvent.objects.filter(
            to_status__in=(RemittanceStatus.PAID, RemittanceStatus.RETURNED), created_at__gte=local_day_start(starts[0])
        )
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_default_timezone()))
        .values("remittance__currency", "month")
        .annotate(
            total=MoneySum(
                Case(
                    When(to_status=RemittanceStatus.RETURNED, then=-F("remittance__amount")),
                    default=F("remittance__amount"),
                )
            )
        )
        .order_by("remittance__currency", "month")
    )
    index = {start: n for n, start in enumerate(starts)}
    for row in rows:
        n = index.get(_month_of(row["month"]))
        if n is not None:
            result.series(row["remittance__currency"])[n] = (row["total"] or ZERO).quantize(CENT)
    return result


def owed_by_month(
    *, months: int = 12, today: date | None = None, owed_now: dict[str, Decimal] | None = None
) -> MonthlySeries:
    """Per currency, what the platform owed its workers at the end of each month, and now for the
    current month: the negated balance of the workers' PAYABLE and IN_TRANSIT accounts.

    The months before the current one accumulate the ledger's monthly totals (`kind_totals_by_month`:
    closed months from their closes; the months before the window make its opening). The current
    month's point is what is owed now (`owed_now`, {currency: owed}; `owed_by_currency` when not
    given: the worklogs' running totals, which the audit ties to the ledger), so no query reads the
    postings of the month in progress."""
    starts = month_starts(months=months, today=today)
    result = MonthlySeries(months=starts)
    if owed_now is None:
        owed_now = {currency: money.owed for currency, money in owed_by_currency().items()}
    changes = kind_totals_by_month(kinds=(AccountKind.PAYABLE, AccountKind.IN_TRANSIT), before=starts[-1])
    for currency in sorted(set(changes) | set(owed_now)):
        by_month = changes.get(currency, {})
        series = result.series(currency)
        owed = -sum((amount for month, amount in by_month.items() if month < starts[0]), ZERO)
        for n, start in enumerate(starts[:-1]):
            owed -= by_month.get(start, ZERO)
            series[n] = owed.quantize(CENT)
        series[-1] = owed_now.get(currency, ZERO).quantize(CENT)
    return result


def paid_this_and_last_month(paid: MonthlySeries) -> dict[str, tuple[Decimal, Decimal]]:
    """{currency: (this month, last month)} from `paid_by_month`'s series (no query of its own)."""
    return {currency: (values[-1], values[-2] if len(values) > 1 else ZERO) for currency, values in paid.values.items()}


def advice_emails_skipped() -> QuerySet[AdviceEmail]:
    """PAID remittances whose worker had no e-mail address: their advice was not sent."""
    return AdviceEmail.objects.filter(status=AdviceEmailStatus.SKIPPED).order_by("pk")


def advice_emails_failing() -> QuerySet[AdviceEmail]:
    """Advice e-mails not sent yet after at least one failed attempt (retried, or given up)."""
    return AdviceEmail.objects.filter(status=AdviceEmailStatus.PENDING, attempts__gt=0).order_by("pk")
