"""The dashboard's next-run figure (`settlement_preview_totals`, two queries) gives exactly
what the dry run (`settlement_preview`, the run's own selectors) gives: per currency, how many
workers a run would pay and how much, to the cent, for every period end, on a varied data set
(paid, failed, returned, processing and pending payouts, a dispute, a clawback, a worker owed less
than nothing, a second currency, work after the period)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from settlements.selectors import default_period_end, settlement_preview, settlement_preview_totals
from tests.settlements import dashboard_data
from tests.settlements.dashboard_data import work
from tests.support.factories import WorkLogFactory
from worklogs import services

pytestmark = pytest.mark.django_db

PERIOD_ENDS = [date(2024, 9, 30), date(2024, 10, 31), date(2024, 11, 30), date(2024, 12, 31), date(2025, 1, 31)]


def dry_run_figures(period_end: date) -> dict[str, tuple[int, Decimal]]:
    preview = settlement_preview(period_end=period_end)
    workers: dict[str, int] = {}
    for worker, _amount in preview.paid:
        workers[worker.currency] = workers.get(worker.currency, 0) + 1
    return {currency: (workers[currency], total) for currency, total in preview.totals.items()}


def aggregate_figures(period_end: date) -> dict[str, tuple[int, Decimal]]:
    return {c: (f.workers, f.total) for c, f in settlement_preview_totals(period_end=period_end).items()}


@pytest.fixture
def varied():
    dashboard_data.build()
    owing = WorkLogFactory(worker__name="Owes more", hourly_rate=Decimal("30.00"))
    work(owing, "2024-11-10", "09:00", 10)  # 5.00
    services.adjustment_record(worklog=owing, amount=Decimal("-7.25"), reason="Advance repaid")  # total -2.25
    eur = WorkLogFactory(worker__name="Ines Roth", worker__currency="EUR", hourly_rate=Decimal("33.33"))
    work(eur, "2024-11-12", "09:00", 7)  # 3.89
    work(eur, "2024-12-12", "09:00", 13)  # 7.22
    services.adjustment_record(worklog=eur, amount=Decimal("0.01"), reason="Rounding")
    late = WorkLogFactory(worker__name="Late work", hourly_rate=Decimal("19.99"))
    work(late, "2025-01-03", "09:00", 45)  # 14.99: due only from January


def test_the_aggregate_gives_the_dry_runs_workers_and_totals_to_the_cent(varied):
    seen_nonempty = 0
    for period_end in PERIOD_ENDS:
        expected = dry_run_figures(period_end)
        assert aggregate_figures(period_end) == expected, period_end
        seen_nonempty += bool(expected)
    assert seen_nonempty >= 3  # the comparison is not between empty answers
    assert aggregate_figures(date(2024, 12, 31)) == {
        "EUR": (1, Decimal("11.12")),  # Ines: 3.89 + 7.22 + 0.01 (Chloé's October is PROCESSING)
        "USD": (1, Decimal("15.00")),  # Frank; "Owes more" is carried forward (-2.25)
    }


def test_the_aggregate_is_two_queries_whatever_the_workers(varied):
    with CaptureQueriesContext(connection) as captured:
        settlement_preview_totals(period_end=default_period_end())
    assert len(captured) == 2
