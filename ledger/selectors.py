"""Reads of the ledger: balances computed in SQL."""

import itertools
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.instants import local_day_start, month_after
from core.money import MoneySum
from ledger.models import AccountKind, MonthClose, MonthTotal, Posting


def party_balances(*, party: int) -> dict[str, Decimal]:
    """Sum of postings per account kind of one worker (debit positive)."""
    rows = (
        Posting.objects.filter(account__party=party)
        .values("account__kind")
        .annotate(total=MoneySum("amount"))
        .order_by()
    )
    balances = {kind: Decimal("0.00") for kind in AccountKind.values}
    for row in rows:
        balances[row["account__kind"]] = row["total"]
    return balances


def party_ledger_view(*, party: int) -> dict[str, Decimal]:
    """A worker's position as the ledger sees it, in the balance endpoint's terms."""
    b = party_balances(party=party)
    return {
        "earned": b[AccountKind.EXPENSE],
        "unremitted": -b[AccountKind.PAYABLE],
        "pending": -b[AccountKind.IN_TRANSIT],
        "remitted": -b[AccountKind.CASH],
    }


def trial_balance() -> dict[str, Decimal]:
    """Sum of every posting per currency: zero in a healthy ledger."""
    rows = Posting.objects.values("currency").annotate(total=MoneySum("amount")).order_by()
    return {row["currency"]: row["total"] for row in rows}


def kind_totals_by_month(*, kinds: Iterable[str], before: date) -> dict[str, dict[date, Decimal]]:
    """{currency: {month: the postings on accounts of `kinds` in that month}} for every month before
    `before` (a first day, in `TIME_ZONE`) that has postings. Closed months come from their
    `MonthTotal`s; only the postings of months after the last closed one and before `before` are read
    (closes are contiguous from the first entry, and an entry is never dated in the past). Once the
    `ledger_close` job has run, that is no posting at all: the cost does not grow with the ledger.
    Three queries."""
    kinds = list(kinds)
    totals: dict[str, dict[date, Decimal]] = defaultdict(dict)
    closed = (
        MonthTotal.objects.filter(kind__in=kinds, close__month__lt=before)
        .values("close__month", "currency")
        .annotate(total=MoneySum("amount"))
        .order_by()
    )
    for row in closed:
        totals[row["currency"]][row["close__month"]] = row["total"]
    postings = Posting.objects.filter(account__kind__in=kinds, entry__created_at__lt=local_day_start(before))
    last = MonthClose.objects.order_by("-month").values_list("month", flat=True).first()
    if last is not None:
        postings = postings.filter(entry__created_at__gte=local_day_start(month_after(last)))
    rows = (
        postings.annotate(month=TruncMonth("entry__created_at", tzinfo=timezone.get_default_timezone()))
        .values("currency", "month")
        .annotate(total=MoneySum("amount"))
        .order_by()
    )
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], datetime) else row["month"]
        by_month = totals[row["currency"]]
        by_month[month] = by_month.get(month, Decimal("0.00")) + row["total"]
    return dict(totals)


def month_close_differences() -> list[tuple[date, str, str, Decimal, Decimal]]:
    """(month, kind, currency, closed, recomputed) wherever a closed month's total is not the sum of
    its postings, and (month, "", "", 0, 0) for a gap in the closed months (they must be contiguous)."""
    closes = list(MonthClose.objects.order_by("month").values_list("month", flat=True))
    differences: list[tuple[date, str, str, Decimal, Decimal]] = [
        (month, "", "", Decimal("0.00"), Decimal("0.00"))
        for previous, month in itertools.pairwise(closes)
        if month != month_after(previous)
    ]
    if not closes:
        return differences
    cached = {
        (month, kind, currency): amount
        for month, kind, currency, amount in MonthTotal.objects.values_list(
            "close__month", "kind", "currency", "amount"
        )
    }
    recomputed_rows = (
        Posting.objects.filter(entry__created_at__lt=local_day_start(month_after(closes[-1])))
        .annotate(month=TruncMonth("entry__created_at", tzinfo=timezone.get_default_timezone()))
        .values("month", "account__kind", "currency")
        .annotate(total=MoneySum("amount"))
        .order_by()
    )
    recomputed = {}
    for row in recomputed_rows:
        month = row["month"].date() if isinstance(row["month"], datetime) else row["month"]
        recomputed[(month, row["account__kind"], row["currency"])] = row["total"]
    zero = Decimal("0.00")
    for key in sorted(set(cached) | set(recomputed)):
        if cached.get(key, zero) != recomputed.get(key, zero):
            differences.append((*key, cached.get(key, zero), recomputed.get(key, zero)))
    return differences
