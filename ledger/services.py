"""Posting to the ledger. Callers hold their own transaction; these functions never commit."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from ledger.models import Account, AccountKind, JournalEntry, Posting

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
    created_at: datetime | None = field(default=None)


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
                created_at=spec.created_at or now,
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
