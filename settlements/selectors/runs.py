"""Runs and remittances as the API, the admin and the commands read them: one query per page."""

from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import TypedDict, cast

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Now

from core.money import MoneySum
from settlements.models import (
    APPROVAL_APPROVED,
    APPROVAL_NOT_REQUIRED,
    APPROVAL_PENDING,
    APPROVAL_REJECTED,
    Claim,
    Remittance,
    RunStatus,
    SettlementRun,
)
from worklogs.models import Worker


class WorklogAmount(TypedDict):
    worklog_id: int
    amount: Decimal


class RemittanceHistoryRow(TypedDict):
    remittance_id: int
    remittance__run_id: int
    remittance__period_end: date
    remittance__status: str
    amount: Decimal
    items: int


class RemittanceTotalsRow(TypedDict):
    currency: str
    status: str
    n: int
    total: Decimal


def remittance_list(*, viewer_worker: Worker | None = None) -> QuerySet[Remittance]:
    qs = Remittance.objects.order_by("pk")
    if viewer_worker is not None:
        qs = qs.filter(worker=viewer_worker)
    return qs


def remittance_worklog_amounts(*, remittance_ids: Collection[int]) -> dict[int, list[WorklogAmount]]:
    """{remittance id: [{worklog_id, amount}]}, summed in SQL in one query for a whole page."""
    rows = (
        Claim.objects.filter(remittance_id__in=list(remittance_ids))
        .values("remittance_id", "worklog_id")
        .annotate(amount=MoneySum("amount"))
        .order_by("remittance_id", "worklog_id")
    )
    amounts: dict[int, list[WorklogAmount]] = {rid: [] for rid in remittance_ids}
    for row in rows:
        amounts[row["remittance_id"]].append({"worklog_id": row["worklog_id"], "amount": row["amount"]})
    return amounts


def worklog_remittance_history(*, worklog_id: int) -> list[RemittanceHistoryRow]:
    """Every remittance that took items of this worklog: its run, period, status, items and amount."""
    rows = (
        Claim.objects.filter(worklog_id=worklog_id)
        .values("remittance_id", "remittance__run_id", "remittance__period_end", "remittance__status")
        .annotate(amount=MoneySum("amount"), items=Count("pk"))
        .order_by("remittance_id")
    )
    return cast("list[RemittanceHistoryRow]", list(rows))


def remittance_totals(remittances: QuerySet[Remittance]) -> list[RemittanceTotalsRow]:
    """[{currency, status, n, total}] of a (filtered) list of remittances, in one query."""
    rows = (
        remittances.values("currency", "status")
        .annotate(n=Count("pk"), total=MoneySum("amount"))
        .order_by("currency", "status")
    )
    return cast("list[RemittanceTotalsRow]", list(rows))


def run_totals(run: SettlementRun) -> dict[str, Decimal]:
    return runs_summaries(run_ids=[run.pk])[run.pk][1]


def run_list() -> QuerySet[SettlementRun]:
    return SettlementRun.objects.select_related("created_by", "approved_by", "rejected_by").order_by("pk")


# A run's approval state (`SettlementRun.approval_state`) as a filter, for the API and the admin.
APPROVAL_FILTERS: dict[str, Q] = {
    APPROVAL_PENDING: Q(approval_required=True, approved_at__isnull=True, rejected_at__isnull=True),
    APPROVAL_APPROVED: Q(approved_at__isnull=False),
    APPROVAL_REJECTED: Q(rejected_at__isnull=False),
    APPROVAL_NOT_REQUIRED: Q(approval_required=False),
}


def runs_by_approval(runs: QuerySet[SettlementRun], *, state: str) -> QuerySet[SettlementRun]:
    """The runs in one approval state (`pending`: awaiting a second finance user's decision)."""
    return runs.filter(APPROVAL_FILTERS[state])


def runs_stalled() -> QuerySet[SettlementRun]:
    """RUNNING runs whose lease expired (in the database's clock) or was never taken: their execution died."""
    expired = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=Now())
    return SettlementRun.objects.filter(expired, status=RunStatus.RUNNING).order_by("pk")


def runs_summaries(*, run_ids: Collection[int]) -> dict[int, tuple[int, dict[str, Decimal]]]:
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
