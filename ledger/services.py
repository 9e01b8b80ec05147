"""Posting to the ledger, and closing its months. Callers of the posting functions hold their own
transaction (those never commit); `ledger_months_close` is a job of its own."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.errors import DomainError
from core.instants import local_date, local_day_start, month_after
from core.money import MoneySum
from ledger.models import Account, AccountKind, JournalEntry, MonthClose, MonthTotal, Posting

WORKER_ACCOUNT_KINDS = (AccountKind.EXPENSE, AccountKind.PAYABLE, AccountKind.IN_TRANSIT, AccountKind.CASH)


class UnbalancedEntry(DomainError):
    code = "unbalanced_entry"


@dataclass
class EntrySpec:
    """A journal entry to post: `lines` are (account, signed amount; debit positive)."""

    cause: str
    reference: str
    party: int | None
    lines: Sequence[tuple[Account, Decimal]]
    memo: str = ""


def _account_code(*, party: int, kind: str, currency: str) -> str:
    return f"worker:{party}:{kind.lower()}:{currency}"


def _account_name(*, kind: str, label: str) -> str:
    """ "Worker payable — <label>", cut to fit `Account.name`: the label (a worker's name) may fill its own column."""
    name = f"{AccountKind(kind).label} — {label}"
    limit = Account._meta.get_field("name").max_length
    assert limit is not None  # a CharField always has one
    return name if len(name) <= limit else name[: limit - 1] + "…"


@transaction.atomic
def accounts_open_for_party(*, party: int, currency: str, label: str = "") -> dict[str, Account]:
    """Open (or fetch) the four accounts of a worker in a currency, keyed by kind."""
    accounts: dict[str, Account] = {}
    for kind in WORKER_ACCOUNT_KINDS:
        account, _ = Account.objects.get_or_create(
            party=party,
            kind=kind,
            currency=currency,
            defaults={
                "code": _account_code(party=party, kind=kind, currency=currency),
                "name": _account_name(kind=kind, label=label or f"worker {party}"),
            },
        )
        accounts[kind] = account
    return accounts


def accounts_for_parties(*, parties: Iterable[int], currency_by_party: dict[int, str]) -> dict[int, dict[str, Account]]:
    """The accounts of many workers in two queries at most (opening any that are missing)."""
    parties = list(parties)
    found: dict[int, dict[str, Account]] = defaultdict(dict)
    for account in Account.objects.filter(party__in=parties):
        party = account.party
        assert party is not None  # filtered by party__in, which never matches NULL
        if account.currency == currency_by_party[party]:
            found[party][account.kind] = account
    for party in parties:
        if len(found[party]) < len(WORKER_ACCOUNT_KINDS):
            found[party] = accounts_open_for_party(party=party, currency=currency_by_party[party])
    return found


def _check_balanced(spec: EntrySpec) -> list[tuple[Account, Decimal]]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    lines = [(account, Decimal(amount)) for account, amount in spec.lines if amount]
    for account, amount in lines:
        totals[account.currency] += amount
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced:
        raise UnbalancedEntry(f"Journal entry {spec.cause} {spec.reference} does not balance: {unbalanced}")
    return lines


def entries_post(*, specs: Sequence[EntrySpec]) -> list[JournalEntry]:
    """Post many balanced entries with two bulk inserts. Entries with no non-zero line are skipped."""
    now = timezone.now()
    checked = [(spec, _check_balanced(spec)) for spec in specs]
    checked = [(spec, lines) for spec, lines in checked if lines]
    if not checked:
        return []
    entries = JournalEntry.objects.bulk_create(
        [
            JournalEntry(
                created_at=now,  # never backdated: a closed month stays closed (MonthClose)
                cause=spec.cause,
                reference=spec.reference,
                party=spec.party,
                memo=spec.memo[:255],
            )
            for spec, _ in checked
        ]
    )
    Posting.objects.bulk_create(
        [
            Posting(entry=entry, account=account, amount=amount, currency=account.currency)
            for entry, (_, lines) in zip(entries, checked, strict=True)
            for account, amount in lines
        ]
    )
    return entries


def entry_post(*, spec: EntrySpec) -> JournalEntry | None:
    """Post one balanced entry; None when every line is zero (nothing moved)."""
    posted = entries_post(specs=[spec])
    return posted[0] if posted else None


# A month is closed once it has been over this long: longer than any transaction that posts lasts,
# so no entry dated inside it can still commit.
CLOSE_MARGIN = timedelta(days=1)


def month_postings(month: date) -> QuerySet[Posting]:
    """The postings of the entries dated in `month` (its first day; `TIME_ZONE`'s calendar)."""
    return Posting.objects.filter(
        entry__created_at__gte=local_day_start(month), entry__created_at__lt=local_day_start(month_after(month))
    )


def ledger_months_close(*, now: datetime | None = None) -> list[date]:
    """Close, in order, every month that has been over for `CLOSE_MARGIN` and is not closed yet,
    from the month of the first entry on; returns the months closed (first days). Each close is
    its postings summed per account kind and currency, one grouped query a month, all in one
    transaction. Two closers at once: the unique month refuses the second's, which then closed
    nothing (the first did it)."""
    try:
        return _months_close(now=now or timezone.now())
    except IntegrityError:
        return []


@transaction.atomic
def _months_close(*, now: datetime) -> list[date]:
    last = MonthClose.objects.order_by("-month").values_list("month", flat=True).first()
    if last is not None:
        month = month_after(last)
    else:
        first = JournalEntry.objects.order_by("created_at").values_list("created_at", flat=True).first()
        if first is None:
            return []
        month = local_date(first).replace(day=1)
    closed = []
    while local_day_start(month_after(month)) + CLOSE_MARGIN <= now:
        close = MonthClose.objects.create(month=month)
        rows = month_postings(month).values("account__kind", "currency").annotate(total=MoneySum("amount"))
        MonthTotal.objects.bulk_create(
            MonthTotal(close=close, kind=row["account__kind"], currency=row["currency"], amount=row["total"])
            for row in rows.order_by("account__kind", "currency")
        )
        closed.append(month)
        month = month_after(month)
    return closed
