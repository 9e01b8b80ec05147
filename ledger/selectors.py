"""Reads of the ledger: balances computed in SQL."""

from decimal import Decimal

from core.money import MoneySum
from ledger.models import AccountKind, Posting


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
