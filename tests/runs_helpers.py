"""Shared by the run lease, crash and keyed-generate tests: workers owed known amounts, and checks."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from settlements.models import RunStatus, SettlementRun
from settlements.selectors.audit import audit_all
from tests.api_helpers import exact_cents, segment_exact
from tests.factories import WorkLogFactory
from worklogs import services

OCT = date(2024, 10, 31)
RATE = "45.39"


def workers_owed(count: int) -> dict[int, Decimal]:
    """`count` workers, the i-th owed (i + 1) x 7 minutes at 45.39/h, each rounded once: {worker id: amount}."""
    owed = {}
    for i in range(count):
        worklog = WorkLogFactory(hourly_rate=Decimal(RATE))
        started = datetime(2024, 10, 1 + i % 28, 8, 0, tzinfo=UTC)
        minutes = 7 * (i + 1) % 600 + 1
        services.segment_record(worklog=worklog, started_at=started, ended_at=started + timedelta(minutes=minutes))
        owed[worklog.worker_id] = exact_cents([segment_exact(minutes, RATE)])[0]
    return owed


def expire_lease(run: SettlementRun) -> None:
    """What time does to the lease of a run whose process died."""
    SettlementRun.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def assert_paid_exactly_once(run: SettlementRun, owed: dict[int, Decimal]) -> None:
    """The run COMPLETED, every worker has exactly one remittance of the period for exactly what was
    owed, the progress is exact, and the audit (items, claims, ledger, run progress) is clean."""
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, (run.status, run.error)
    assert (run.workers_done, run.workers_total) == (len(owed), len(owed))
    assert (run.lease_owner, run.lease_expires_at) == (None, None)
    remittances = list(run.remittances.values_list("worker_id", "amount"))
    assert Counter(worker_id for worker_id, _ in remittances) == dict.fromkeys(owed, 1)
    assert dict(remittances) == owed
    assert all(chunk.done_at is not None for chunk in run.chunks.all())
    assert audit_all() == []
