"""A remittance advice: what one payout pays the worker, and why. The PDF (API, e-mail) and the
admin's HTML page are both drawn from `remittance_advice`, so they always say the same.

Lines, from the remittance's claims (its items):
- one line per worklog: the hours worked and their amount. An earning and its reversal that settle
  together here (a segment removed or corrected before it was paid) net out in this line;
- one line per clawback: the reversal of an earning already paid (or in another payout), with the
  reason the segment was removed or corrected;
- one line per adjustment (a deduction or a bonus), with its reason.
The lines add up to the remittance's amount exactly.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

from core.money import CENT
from settlements.models import Claim, PayoutDestination, Remittance, SepaFileEntry
from worklogs.models import ItemKind

ZERO = Decimal("0.00")
SECONDS_PER_HOUR = Decimal(3600)


@dataclass
class AdviceWorklog:
    worklog_id: int
    task: str
    seconds: int = 0
    amount: Decimal = ZERO

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.seconds) / SECONDS_PER_HOUR).quantize(CENT)


@dataclass(frozen=True)
class AdviceCorrection:
    """A clawback (kind REVERSAL) or an adjustment, with its reason."""

    kind: str
    worklog_id: int
    task: str
    work_date: date | None
    seconds: int
    amount: Decimal
    reason: str

    @property
    def label(self) -> str:
        if self.kind == ItemKind.REVERSAL:
            return "Clawback"
        return "Bonus" if self.amount > 0 else "Deduction"

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.seconds) / SECONDS_PER_HOUR).quantize(CENT)


@dataclass
class RemittanceAdvice:
    remittance_id: int
    run_id: int
    worker_id: int
    worker_name: str
    worker_email: str
    period_end: date
    currency: str
    amount: Decimal
    status: str
    created_at: datetime
    status_changed_at: datetime | None
    provider_reference: str
    # The destination account's last four characters, when the payout went to a known account.
    account_last_four: str = ""
    worklogs: list[AdviceWorklog] = field(default_factory=list)
    corrections: list[AdviceCorrection] = field(default_factory=list)
    first_work_date: date | None = None
    last_work_date: date | None = None

    @property
    def lines_total(self) -> Decimal:
        return sum((w.amount for w in self.worklogs), ZERO) + sum((c.amount for c in self.corrections), ZERO)

    @property
    def total_hours(self) -> Decimal:
        return (Decimal(sum(w.seconds for w in self.worklogs)) / SECONDS_PER_HOUR).quantize(CENT)


def account_last_four(*, remittance: Remittance) -> str:
    """The last four characters of the IBAN the payout went to: its SEPA file entry's destination when
    it was paid through a bank file, else the worker's latest confirmed destination ('' when none).
    One query."""
    in_file = SepaFileEntry.objects.filter(remittance_id=OuterRef("pk")).values("destination__iban")[:1]
    confirmed = (
        PayoutDestination.objects.filter(worker_id=OuterRef("worker_id"), confirmed_at__isnull=False)
        .order_by("-pk")
        .values("iban")[:1]
    )
    iban = (
        Remittance.objects.filter(pk=remittance.pk)
        .annotate(iban=Coalesce(Subquery(in_file), Subquery(confirmed)))
        .values_list("iban", flat=True)
        .first()
    )
    return iban[-4:] if iban else ""


def remittance_advice(*, remittance: Remittance) -> RemittanceAdvice:
    """The advice of `remittance` (its worker read with it, `select_related`): one query of its
    claims, one of its destination account."""
    worker = remittance.worker
    advice = RemittanceAdvice(
        remittance_id=remittance.pk,
        run_id=remittance.run_id,
        worker_id=worker.pk,
        worker_name=worker.name,
        worker_email=worker.email,
        period_end=remittance.period_end,
        currency=remittance.currency,
        amount=remittance.amount,
        status=remittance.status,
        created_at=remittance.created_at,
        status_changed_at=remittance.status_changed_at,
        provider_reference=remittance.provider_reference,
        account_last_four=account_last_four(remittance=remittance),
    )
    rows = list(
        Claim.objects.filter(remittance_id=remittance.pk)
        .values(
            "item_id",
            "amount",
            "worklog_id",
            "worklog__task__title",
            "item__kind",
            "item__reverses_id",
            "item__work_date",
            "item__segment__seconds",
            "item__segment__status_reason",
            "item__adjustment__reason",
        )
        .order_by("worklog_id", "item_id")
    )
    in_this_payout = {row["item_id"] for row in rows}
    worklogs: dict[int, AdviceWorklog] = {}
    work_dates: list[date] = []
    for row in rows:
        kind, amount, seconds = row["item__kind"], row["amount"].quantize(CENT), row["item__segment__seconds"] or 0
        task = row["worklog__task__title"]
        line = worklogs.setdefault(row["worklog_id"], AdviceWorklog(row["worklog_id"], task))
        if kind == ItemKind.EARNING:
            line.seconds += seconds
            line.amount += amount
            if row["item__work_date"] is not None:
                work_dates.append(row["item__work_date"])
        elif kind == ItemKind.REVERSAL and row["item__reverses_id"] in in_this_payout:
            line.seconds -= seconds  # removed before it was paid: nets out with its earning here
            line.amount += amount
        else:
            reason = (
                row["item__adjustment__reason"] if kind == ItemKind.ADJUSTMENT else row["item__segment__status_reason"]
            )
            advice.corrections.append(
                AdviceCorrection(
                    kind=kind,
                    worklog_id=row["worklog_id"],
                    task=task,
                    work_date=row["item__work_date"],
                    seconds=-seconds,
                    amount=amount,
                    reason=reason or "",
                )
            )
    advice.worklogs = [line for line in worklogs.values() if line.seconds or line.amount]
    if work_dates:
        advice.first_work_date, advice.last_work_date = min(work_dates), max(work_dates)
    return advice
