"""The domain figures as Prometheus metrics, read from the database when scraped (any node gives the
same answer: they are the system's, not the process's).

Prometheus values are floats: money is exact in them up to 15 significant digits (ten billion with
its cents), which is what a dashboard needs; the ledger, not /metrics, is the money's record.
"""

import logging
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from ops import figures
from settlements.selectors.operations import last_completed_run, owed_figures, remittance_figures

PREFIX = "wls"
logger = logging.getLogger(__name__)
_cache: tuple[float, list[Metric]] = (0.0, [])


def _gauge(name: str, documentation: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", documentation, labels=labels)


def domain_metrics() -> list[Metric]:
    remittances = remittance_figures()
    count = _gauge("remittances", "Remittances by status and currency.", ["status", "currency"])
    amount = _gauge(
        "remittances_amount", "Total amount of the remittances by status and currency.", ["status", "currency"]
    )
    for figure in remittances:
        count.add_metric([figure.status, figure.currency], figure.count)
        amount.add_metric([figure.status, figure.currency], float(figure.amount))
    owed = _gauge(
        "owed_amount",
        "What the workers are owed by currency: unremitted (in no live remittance) or pending (open remittances).",
        ["currency", "state"],
    )
    for owed_figure in owed_figures(remittances):
        owed.add_metric([owed_figure.currency, "unremitted"], float(owed_figure.unremitted))
        owed.add_metric([owed_figure.currency, "pending"], float(owed_figure.pending))
    doubt = _gauge("payout_submissions_in_doubt", "Payout submissions attempted without a known answer.")
    doubt.add_metric([], figures.submissions_in_doubt())
    stalled = _gauge("settlement_runs_stalled", "Settlement runs RUNNING with an expired lease.")
    stalled.add_metric([], figures.stalled_runs())
    queued = _gauge("tasks_oldest_queued_age_seconds", "How long the oldest ready background task has waited.")
    queued.add_metric([], figures.oldest_queued_task_age_seconds())
    metrics: list[Metric] = [count, amount, owed, doubt, stalled, queued]

    last = last_completed_run()
    duration = _gauge("settlement_last_run_duration_seconds", "The last completed run: first start to completion.")
    workers = _gauge("settlement_last_run_workers_per_second", "The last completed run: workers settled per second.")
    items = _gauge("settlement_last_run_items_per_second", "The last completed run: items claimed per second.")
    run_id = _gauge("settlement_last_run_id", "The id of the last completed run.")
    if last is not None:
        seconds = max(last.duration_seconds, 0.001)
        duration.add_metric([], last.duration_seconds)
        workers.add_metric([], last.workers / seconds)
        items.add_metric([], last.items / seconds)
        run_id.add_metric([], last.run_id)
    metrics += [duration, workers, items, run_id]

    audit = figures.last_audit()
    differences = _gauge("audit_last_differences", "Differences found by the last nightly audit_totals.")
    audited_at = _gauge("audit_last_finished_timestamp_seconds", "When the last nightly audit_totals finished.")
    if audit is not None:
        differences.add_metric([], audit.differences)
        audited_at.add_metric([], audit.finished_at.timestamp() if audit.finished_at else 0)
    return [*metrics, differences, audited_at]


def _up(value: int) -> GaugeMetricFamily:
    up = _gauge("domain_figures_up", "1 when the domain figures could be read from the database, else 0.")
    up.add_metric([], value)
    return up


class DomainCollector(Collector):
    """Reads the figures at most once per `METRICS_FIGURES_CACHE_SECONDS` in this process. Without the
    database the process metrics are still served, with `wls_domain_figures_up 0`."""

    def collect(self) -> Iterator[Metric]:
        global _cache
        expires, cached = _cache
        if time.monotonic() >= expires or not cached:
            try:
                cached = [*domain_metrics(), _up(1)]
            except DatabaseError:
                logger.exception("/metrics: the domain figures could not be read.")
                yield _up(0)
                return
            _cache = (time.monotonic() + settings.METRICS_FIGURES_CACHE_SECONDS, cached)
        yield from cached
