"""A worker's statement: the ledger lines that change what the platform owes them.

Statement view: **what the platform owes the worker and has not paid yet**, i.e. the negated
balance of the worker's PAYABLE and IN_TRANSIT accounts (= `unremitted + pending` of the balance
endpoint). Each line is one journal entry that changes it: earnings, reversals and adjustments
(their item cents), and payouts that reached the worker (a PAID remittance, negative). Moves between
"unremitted" and "pending" (a remittance issued, failed or cancelled) leave what is owed unchanged,
so they are not lines. Over all time, `closing` = `unremitted + pending`.
"""

from datetime import date
from decimal import Decimal
from typing import TypedDict

from core.errors import InvalidInput
from core.instants import DATE_RANGE_MESSAGE, date_in_range, local_date, local_day_end, local_day_start
from core.money import CENT, MoneySum
from ledger.models import AccountKind, Posting
from worklogs.models import Worker

ZERO = Decimal("0.00")
OWED_KINDS = (AccountKind.PAYABLE, AccountKind.IN_TRANSIT)


class StatementLine(TypedDict):
    entry_id: int
    date: date
    cause: str
    reference: str
    amount: Decimal
    balance: Decimal


class Statement(TypedDict):
    worker_id: int
    currency: str
    opening: Decimal
    closing: Decimal
    lines: list[StatementLine]


def worker_statement(*, worker: Worker, date_from: date | None = None, date_to: date | None = None) -> Statement:
    """{worker_id, currency, opening, closing, lines: [{date, cause, amount, balance, reference}]}.

    Dates are the entries' dates in the settings' time zone; both bounds are inclusive, and each is
    the instant its local day starts (or ends), so a day is 23 or 25 hours across a change.
    """
    for name, day in (("from", date_from), ("to", date_to)):
        if day is not None and not date_in_range(day):
            raise InvalidInput(DATE_RANGE_MESSAGE, field=name)
    postings = Posting.objects.filter(
        account__party=worker.pk, account__currency=worker.currency, account__kind__in=OWED_KINDS
    )
    opening = ZERO
    if date_from is not None:
        before = postings.filter(entry__created_at__lt=local_day_start(date_from)).aggregate(t=MoneySum("amount"))["t"]
        opening = -(before or ZERO).quantize(CENT)
        postings = postings.filter(entry__created_at__gte=local_day_start(date_from))
    if date_to is not None:
        postings = postings.filter(entry__created_at__lt=local_day_end(date_to))
    rows = (
        postings.values("entry_id", "entry__created_at", "entry__cause", "entry__reference")
        .annotate(total=MoneySum("amount"))
        .order_by("entry__created_at", "entry_id")
    )
    balance = opening
    lines: list[StatementLine] = []
    for row in rows:
        amount = -row["total"].quantize(CENT)  # SQLite sums NUMERIC as a float-backed Decimal
        if not amount:  # moved between unremitted and pending: nothing owed changed
            continue
        balance += amount
        lines.append(
            {
                "entry_id": row["entry_id"],
                "date": local_date(row["entry__created_at"]),
                "cause": row["entry__cause"],
                "reference": row["entry__reference"],
                "amount": amount,
                "balance": balance,
            }
        )
    return {
        "worker_id": worker.pk,
        "currency": worker.currency,
        "opening": opening,
        "closing": balance,
        "lines": lines,
    }
