"""The dashboard's selectors on the known data set (tests/settlements/dashboard_data.py): every count
and every amount exact to the cent, each figure in one query (owed: two)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.instants import local_today
from settlements import services
from settlements.models import AdviceEmail, RunStatus, SettlementRun
from settlements.selectors import dashboard
from settlements.selectors.operations import payout_submissions_in_doubt
from tests.settlements import dashboard_data

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def known():
    return dashboard_data.build()


def queries(function, *args, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        result = function(*args, **kwargs)
    return result, len(captured)


def test_needs_attention_counts_in_one_query_each(known):
    failed, n = queries(lambda: list(dashboard.remittances_failed_not_repaid()))
    assert ([r.pk for r in failed], n) == ([known.bob_october.pk, known.hana_october.pk], 1)
    assert queries(lambda: dashboard.runs_awaiting_approval().count()) == (1, 1)  # the stalled one
    assert queries(lambda: dashboard.payee_changes_awaiting_confirmation().count()) == (1, 1)  # Frank's
    assert queries(lambda: dashboard.runs_stalled_or_failed().count()) == (1, 1)
    assert queries(lambda: payout_submissions_in_doubt().count()) == (1, 1)
    cutoff = dashboard.dispute_cutoff(days=7)
    assert queries(lambda: dashboard.segments_disputed_before(cutoff=cutoff).count()) == (1, 1)
    # Ten days old: not yet older than eleven.
    assert dashboard.segments_disputed_before(cutoff=dashboard.dispute_cutoff(days=11)).count() == 0


def test_a_failed_payout_paid_again_no_longer_needs_attention(known):
    services.remittance_mark_paid(remittance=known.bob_november)
    assert list(dashboard.remittances_failed_not_repaid()) == [known.hana_october]


def test_a_failed_run_needs_attention_and_a_completed_one_does_not(known):
    SettlementRun.objects.create(period_end="2024-08-31", status=RunStatus.FAILED, error="boom")
    assert dashboard.runs_stalled_or_failed().count() == 2
    assert SettlementRun.objects.filter(status=RunStatus.COMPLETED).count() == 2


def test_owed_per_currency_splits_unremitted_pending_and_processing(known):
    owed, n = queries(dashboard.owed_by_currency)
    assert n == 2
    usd, eur = owed["USD"], owed["EUR"]
    assert (usd.unremitted, usd.pending, usd.processing, usd.owed) == (D("27.00"), D("24.24"), D("0.00"), D("51.24"))
    assert (eur.unremitted, eur.pending, eur.processing, eur.owed) == (D("0.00"), D("0.00"), D("10.00"), D("10.00"))


def test_paid_per_month_counts_each_payout_in_the_month_it_was_paid(known):
    paid, n = queries(dashboard.paid_by_month)
    assert n == 1
    assert len(paid.months) == 12 and paid.months[-1] == local_today().replace(day=1)
    assert list(paid.values) == ["USD"]
    assert paid.values["USD"] == [D("0.00")] * 11 + [D("7.50")]
    assert dashboard.paid_this_and_last_month(paid) == {"USD": (D("7.50"), D("0.00"))}
    # A month later, it was paid last month.
    next_month = (local_today().replace(day=28) + timedelta(days=5)).replace(day=1)
    later = dashboard.paid_by_month(today=next_month)
    assert dashboard.paid_this_and_last_month(later) == {"USD": (D("0.00"), D("7.50"))}


def test_owed_over_time_ends_at_what_is_owed_now_and_starts_from_the_earlier_history(known):
    owed, n = queries(dashboard.owed_by_month)
    assert n == 5  # owed now (2); the closed months' totals, the last closed month, the open months' postings
    assert owed.values["USD"][-1] == D("51.24")
    assert owed.values["EUR"][-1] == D("10.00")
    assert owed.values["USD"][:-1] == [D("0.00")] * 11  # everything was recorded this month
    next_month = (local_today().replace(day=28) + timedelta(days=5)).replace(day=1)
    later = dashboard.owed_by_month(today=next_month)
    assert later.values["USD"][-2:] == [D("51.24"), D("51.24")]
    # Once the window has moved past the month it all happened in, that month is the opening.
    far = dashboard.owed_by_month(months=3, today=local_today().replace(day=1) + timedelta(days=100))
    assert far.values["USD"] == [D("51.24")] * 3


def test_month_starts_cross_the_year():
    assert dashboard.month_starts(months=3, today=date(2026, 2, 14)) == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


def test_advice_emails_skipped_and_failing_are_counted(known):
    AdviceEmail.objects.create(remittance=known.alice_october, status="SKIPPED", next_attempt_at=timezone.now())
    assert queries(lambda: dashboard.advice_emails_skipped().count()) == (1, 1)
    assert dashboard.advice_emails_failing().count() == 0
