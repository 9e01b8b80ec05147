"""`ledger.services.entries_post` / `entry_post`: only balanced entries reach the ledger.

Python refuses an unbalanced entry before writing anything (PostgreSQL's deferred trigger is the
second line, tested in test_db_guards). The accounts here belong to no worker (`party` is null), so
the entries move no worker's money and the after-test audit's trial balance still applies to them.
"""

from decimal import Decimal

import pytest

from ledger.models import Account, AccountKind, JournalEntry, Posting
from ledger.services import EntrySpec, UnbalancedEntry, entries_post, entry_post

pytestmark = pytest.mark.django_db


def _account(code: str, currency: str = "USD") -> Account:
    return Account.objects.create(code=code, kind=AccountKind.CASH, currency=currency, party=None, name=code)


@pytest.fixture
def accounts() -> dict[str, Account]:
    return {
        "bank": _account("house:bank:USD"),
        "fees": _account("house:fees:USD"),
        "owner": _account("house:owner:USD"),
        "bank_eur": _account("house:bank:EUR", "EUR"),
        "fees_eur": _account("house:fees:EUR", "EUR"),
    }


def _spec(lines, reference: str = "test:1") -> EntrySpec:
    return EntrySpec(cause="TEST", reference=reference, party=None, lines=lines)


def _rows() -> tuple[int, int]:
    return JournalEntry.objects.count(), Posting.objects.count()


def test_a_balanced_entry_is_posted_with_its_exact_lines(accounts):
    entry = entry_post(
        spec=_spec(
            [
                (accounts["fees"], Decimal("12.34")),
                (accounts["owner"], Decimal("0.01")),
                (accounts["bank"], Decimal("-12.35")),
            ]
        )
    )

    assert entry is not None
    assert (entry.cause, entry.reference, entry.party) == ("TEST", "test:1", None)
    postings = sorted(entry.postings.values_list("account__code", "amount", "currency"))
    assert postings == [
        ("house:bank:USD", Decimal("-12.35"), "USD"),
        ("house:fees:USD", Decimal("12.34"), "USD"),
        ("house:owner:USD", Decimal("0.01"), "USD"),
    ]
    assert _rows() == (1, 3)


def test_an_entry_off_by_one_cent_is_refused_and_writes_nothing(accounts):
    before = _rows()

    with pytest.raises(UnbalancedEntry) as refused:
        entry_post(spec=_spec([(accounts["fees"], Decimal("100.00")), (accounts["bank"], Decimal("-99.99"))]))

    assert refused.value.code == "unbalanced_entry"
    assert "Decimal('0.01')" in refused.value.message
    assert _rows() == before == (0, 0)


def test_a_batch_with_one_unbalanced_entry_writes_none_of_them(accounts):
    balanced = _spec([(accounts["fees"], Decimal("5.00")), (accounts["bank"], Decimal("-5.00"))], "test:ok")
    unbalanced = _spec([(accounts["fees"], Decimal("5.00")), (accounts["bank"], Decimal("-4.00"))], "test:bad")

    with pytest.raises(UnbalancedEntry, match="test:bad"):
        entries_post(specs=[balanced, unbalanced])

    assert _rows() == (0, 0)


def test_an_entry_must_balance_in_each_currency_not_only_in_total(accounts):
    # +10 USD and -10 EUR sum to zero as numbers, but no exchange happened: refused.
    with pytest.raises(UnbalancedEntry):
        entry_post(spec=_spec([(accounts["fees"], Decimal("10.00")), (accounts["bank_eur"], Decimal("-10.00"))]))
    assert _rows() == (0, 0)

    entry = entry_post(
        spec=_spec(
            [
                (accounts["fees"], Decimal("10.00")),
                (accounts["bank"], Decimal("-10.00")),
                (accounts["fees_eur"], Decimal("7.50")),
                (accounts["bank_eur"], Decimal("-7.50")),
            ]
        )
    )
    assert sorted(entry.postings.values_list("currency", "amount")) == [
        ("EUR", Decimal("-7.50")),
        ("EUR", Decimal("7.50")),
        ("USD", Decimal("-10.00")),
        ("USD", Decimal("10.00")),
    ]


def test_an_all_zero_entry_is_skipped_and_writes_nothing(accounts):
    entry = entry_post(spec=_spec([(accounts["fees"], Decimal("0.00")), (accounts["bank"], Decimal("0"))]))

    assert entry is None
    assert entries_post(specs=[_spec([(accounts["fees"], Decimal("0.00"))])]) == []
    assert _rows() == (0, 0)


def test_zero_lines_are_dropped_from_a_balanced_entry(accounts):
    entry = entry_post(
        spec=_spec(
            [
                (accounts["fees"], Decimal("3.33")),
                (accounts["owner"], Decimal("0.00")),
                (accounts["bank"], Decimal("-3.33")),
            ]
        )
    )

    assert sorted(entry.postings.values_list("account__code", "amount")) == [
        ("house:bank:USD", Decimal("-3.33")),
        ("house:fees:USD", Decimal("3.33")),
    ]


def test_a_batch_posts_every_balanced_entry_and_skips_the_all_zero_ones(accounts):
    specs = [
        _spec([(accounts["fees"], Decimal("1.10")), (accounts["bank"], Decimal("-1.10"))], "test:a"),
        _spec([(accounts["fees"], Decimal("0.00")), (accounts["bank"], Decimal("0.00"))], "test:zero"),
        _spec([(accounts["owner"], Decimal("-2.25")), (accounts["bank"], Decimal("2.25"))], "test:b"),
    ]

    entries = entries_post(specs=specs)

    assert [e.reference for e in entries] == ["test:a", "test:b"]
    assert _rows() == (2, 4)
    by_entry = {
        e.reference: sorted(Posting.objects.filter(entry=e).values_list("account__code", "amount")) for e in entries
    }
    assert by_entry == {
        "test:a": [("house:bank:USD", Decimal("-1.10")), ("house:fees:USD", Decimal("1.10"))],
        "test:b": [("house:bank:USD", Decimal("2.25")), ("house:owner:USD", Decimal("-2.25"))],
    }
