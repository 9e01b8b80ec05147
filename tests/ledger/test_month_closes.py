"""Closed ledger months (`ledger_months_close`, `kind_totals_by_month`, the audit's check).

A month is closed once it has been over for a day: its postings summed once per account kind and
currency. The per-month totals read the closes for closed months and only the postings after them,
and give the same answer as summing every posting; the audit recomputes each close.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.instants import local_day_start, local_today, month_after
from ledger.models import AccountKind, JournalEntry, MonthClose, MonthTotal, Posting
from ledger.selectors import kind_totals_by_month, month_close_differences
from ledger.services import CLOSE_MARGIN, ledger_months_close
from settlements.selectors.audit import audit_all
from tests.settlements.dashboard_data import work
from tests.support.factories import WorkLogFactory

pytestmark = pytest.mark.django_db

KINDS = (AccountKind.PAYABLE, AccountKind.IN_TRANSIT)


class _Rollback(Exception):
    pass


@pytest.fixture
def this_month():
    return local_today().replace(day=1)


@pytest.fixture
def earned(this_month):
    """Work recorded now (this month) by two workers in two currencies."""
    usd = WorkLogFactory(hourly_rate=Decimal("45.39"))
    eur = WorkLogFactory(worker__currency="EUR", hourly_rate=Decimal("33.33"))
    work(usd, "2024-11-10", "09:00", 60)  # 45.39
    work(usd, "2024-11-11", "09:00", 7)  # 5.30
    work(eur, "2024-11-12", "09:00", 13)  # 7.22
    return {"usd": usd, "eur": eur}


def _closable_at(month):
    """The first instant at which `month` may be closed."""
    return local_day_start(month_after(month)) + CLOSE_MARGIN


def test_a_month_is_closed_only_once_it_has_been_over_for_the_margin(earned, this_month):
    assert ledger_months_close(now=timezone.now()) == []
    assert ledger_months_close(now=_closable_at(this_month) - timedelta(seconds=1)) == []
    assert not MonthClose.objects.exists()

    assert ledger_months_close(now=_closable_at(this_month)) == [this_month]
    totals = {(t.kind, t.currency): t.amount for t in MonthTotal.objects.filter(close__month=this_month)}
    assert totals[(AccountKind.PAYABLE, "USD")] == Decimal("-50.69")
    assert totals[(AccountKind.EXPENSE, "USD")] == Decimal("50.69")
    assert totals[(AccountKind.PAYABLE, "EUR")] == Decimal("-7.22")
    assert ledger_months_close(now=_closable_at(this_month)) == []  # nothing left to close


def test_months_close_in_order_from_the_first_entry_including_empty_ones(earned, this_month):
    third = month_after(month_after(this_month))
    assert ledger_months_close(now=_closable_at(third)) == [this_month, month_after(this_month), third]
    assert MonthTotal.objects.filter(close__month=third).count() == 0  # a month with no posting is closed too
    assert month_close_differences() == []


def test_no_entry_no_close():
    assert ledger_months_close(now=timezone.now() + timedelta(days=400)) == []


def test_the_totals_are_the_same_before_and_after_the_close(earned, this_month):
    before = kind_totals_by_month(kinds=KINDS, before=month_after(this_month))
    assert before == {"USD": {this_month: Decimal("-50.69")}, "EUR": {this_month: Decimal("-7.22")}}
    ledger_months_close(now=_closable_at(this_month))
    assert kind_totals_by_month(kinds=KINDS, before=month_after(this_month)) == before


def test_a_closed_month_is_read_from_its_close_not_its_postings(earned, this_month):
    """A posting slipped into a closed month (only a backdated raw write could) is not read by the
    totals, and the audit names the month."""
    ledger_months_close(now=_closable_at(this_month))
    payable = Posting.objects.filter(account__kind=AccountKind.PAYABLE, currency="USD").first().account
    cash = Posting.objects.filter(account__party=payable.party, account__kind=AccountKind.EXPENSE).first().account
    with pytest.raises(_Rollback), transaction.atomic():
        entry = JournalEntry.objects.create(created_at=local_day_start(this_month), cause="TAMPER", reference="t")
        Posting.objects.create(entry=entry, account=payable, amount=Decimal("-1.00"), currency="USD")
        Posting.objects.create(entry=entry, account=cash, amount=Decimal("1.00"), currency="USD")
        assert kind_totals_by_month(kinds=KINDS, before=month_after(this_month))["USD"] == {
            this_month: Decimal("-50.69")
        }
        found = {(d.object_id, d.field): (d.cached, d.recomputed) for d in audit_all() if d.scope == "ledger"}
        month = f"{this_month:%Y-%m}"
        assert found[(month, "month_close.PAYABLE.USD")] == (Decimal("-50.69"), Decimal("-51.69"))
        assert found[(month, "month_close.EXPENSE.USD")] == (Decimal("50.69"), Decimal("51.69"))
        raise _Rollback


def test_only_the_postings_between_the_last_closed_month_and_before_are_read(earned, this_month):
    next_month = month_after(this_month)
    assert kind_totals_by_month(kinds=KINDS, before=this_month) == {}  # this month's postings are not before it
    ledger_months_close(now=_closable_at(this_month))
    with CaptureQueriesContext(connection) as captured:
        kind_totals_by_month(kinds=KINDS, before=month_after(next_month))
    assert len(captured) == 3
    postings_query = captured[-1]["sql"]
    # After the last close, before `before`: a range of the entries' created_at index.
    assert '"ledger_journalentry"."created_at" >=' in postings_query
    assert '"ledger_journalentry"."created_at" <' in postings_query


def test_the_audit_finds_a_gap_in_the_closed_months(earned, this_month):
    later = month_after(month_after(this_month))
    with pytest.raises(_Rollback), transaction.atomic():
        MonthClose.objects.create(month=this_month)
        MonthClose.objects.create(month=later)
        gaps = [d for d in audit_all() if d.field == "month_close.gap"]
        assert [d.object_id for d in gaps] == [f"{later:%Y-%m}"]
        raise _Rollback


def test_a_close_is_the_first_day_of_a_month_and_one_per_month(this_month):
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthClose.objects.create(month=this_month + timedelta(days=1))
    MonthClose.objects.create(month=this_month)
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthClose.objects.create(month=this_month)


@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_a_close(earned, this_month):
    ledger_months_close(now=_closable_at(this_month))
    total = MonthTotal.objects.filter(close__month=this_month).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthTotal.objects.filter(pk=total.pk).update(amount=Decimal("0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthTotal.objects.filter(pk=total.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthClose.objects.filter(month=this_month).update(month=month_after(this_month))
