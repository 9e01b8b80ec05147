"""One execution of a settlement run at a time, its plan and its exact progress (see `SettlementRun`).

An execution is identified by a random `owner` id. It claims the run's lease with one conditional
UPDATE (no session-level lock: this works behind a transaction-pooling proxy), writes or reads the
run's plan, and then every chunk, in the chunk's own transaction, marks its chunk row done, adds
its workers to the progress and renews the lease, and commits only if the execution still holds
the lease. Lease times are the database's clock (`Now()`), so application hosts' clocks never
decide who holds a run (the other timestamps, `finished_at` and `done_at`, are the application's,
like every other record's).

The last write of an execution (COMPLETED or FAILED, releasing the lease) is retried on a fresh
connection when its connection was lost: by then every chunk has committed (or failed) and the run
must not stay RUNNING because of one dropped connection.
"""

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar
from uuid import UUID

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from core.errors import Conflict
from settlements.models import RunStatus, SettlementRun, SettlementRunChunk

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

# A lost connection is retried this many times in all, each time on a fresh connection.
RECONNECT_ATTEMPTS = 5


class RunCompleted(Conflict):
    code = "run_completed"


class RunInProgress(Conflict):
    """Another execution holds the run's lease: it is running now (or died less than a lease ago)."""

    code = "run_in_progress"


class RunLeaseLost(Conflict):
    """This execution's lease expired and another execution took the run: this one stops."""

    code = "run_lease_lost"


def lease_expiry() -> ExpressionWrapper[CombinedExpression]:
    """`now + SETTLEMENT_RUN_LEASE_SECONDS`, in the database's clock."""
    duration = Value(timedelta(seconds=settings.SETTLEMENT_RUN_LEASE_SECONDS), output_field=DurationField())
    return ExpressionWrapper(Now() + duration, output_field=DateTimeField())


def run_lease_claim(*, run_id: int, owner: UUID) -> None:
    """Take the run for this execution, or refuse: COMPLETED (409 `run_completed`) or held by a live
    lease (409 `run_in_progress`). A run never executed (QUEUED), FAILED, or RUNNING with an expired
    or missing lease (stalled) is taken; concurrent claims queue on the run row and only the first
    finds it free."""
    free = Q(lease_owner__isnull=True) | Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=Now())
    claimed = (
        SettlementRun.objects.filter(free, pk=run_id)
        .exclude(status=RunStatus.COMPLETED)
        .update(
            status=RunStatus.RUNNING,
            lease_owner=owner,
            lease_expires_at=lease_expiry(),
            error="",
            started_at=Coalesce(F("started_at"), Value(timezone.now(), output_field=DateTimeField())),
        )
    )
    if claimed:
        return
    run = SettlementRun.objects.get(pk=run_id)
    if run.status == RunStatus.COMPLETED:
        raise RunCompleted(f"Run {run.pk} is already COMPLETED.")
    raise RunInProgress(_in_progress_message(run))


def settlement_run_resumable(*, run: SettlementRun) -> None:
    """Refuse early what `run_lease_claim` would refuse (a COMPLETED run, a live lease), as the row
    read shows it; the claim itself decides, with the database's clock."""
    if run.status == RunStatus.COMPLETED:
        raise RunCompleted(f"Run {run.pk} is already COMPLETED.")
    if run.status == RunStatus.RUNNING and not run.stalled:
        raise RunInProgress(_in_progress_message(run))


def _in_progress_message(run: SettlementRun) -> str:
    until = run.lease_expires_at.isoformat() if run.lease_expires_at else "unknown"
    return f"Run {run.pk} is being executed by another process (its lease runs until {until}); try again later."


def _renew(*, run_id: int, owner: UUID, **fields: object) -> None:
    """Renew the lease (and write `fields`) if this execution still holds it, else raise. The UPDATE
    holds the run row until the caller's transaction ends, so no claim can slip in before it commits."""
    if not SettlementRun.objects.filter(pk=run_id, lease_owner=owner).update(lease_expires_at=lease_expiry(), **fields):
        raise RunLeaseLost(f"Run {run_id}: this execution lost its lease to another one; it stops here.")


@transaction.atomic
def run_plan(
    *, run_id: int, owner: UUID, candidates: Callable[[], list[int]], chunk_size: int
) -> tuple[list[tuple[int, list[int]]], int, int]:
    """The chunks still to settle, as [(chunk id, worker ids)], with the workers done and in all.

    The first execution writes the plan (`candidates()` cut into chunks); later ones read it. The
    progress is recomputed here from the chunk rows, so a run left by an older version (or with a
    miscounted progress) starts exact.
    """
    _renew(run_id=run_id, owner=owner)
    chunks = SettlementRunChunk.objects.filter(run_id=run_id)
    if not chunks.exists():
        ids = candidates()
        parts = [ids[start : start + chunk_size] for start in range(0, len(ids), chunk_size)]
        SettlementRunChunk.objects.bulk_create(
            SettlementRunChunk(run_id=run_id, seq=seq, worker_ids=part, workers=len(part))
            for seq, part in enumerate(parts)
        )
    figures = chunks.aggregate(total=Sum("workers"), done=Sum("workers", filter=Q(done_at__isnull=False)))
    total, done = figures["total"] or 0, figures["done"] or 0
    _renew(run_id=run_id, owner=owner, workers_total=total, workers_done=done)
    pending = list(chunks.filter(done_at__isnull=True).order_by("seq").values_list("pk", "worker_ids"))
    return pending, done, total


def run_chunk_done(*, run_id: int, chunk_id: int, owner: UUID, workers: int) -> None:
    """Inside a chunk's transaction: mark the chunk done, count its workers once, renew the lease.

    A chunk already done (an earlier execution committed it, and died before it knew) counts nothing.
    Raises `RunLeaseLost` (rolling the chunk back) when another execution took the run meanwhile.
    """
    flipped = SettlementRunChunk.objects.filter(pk=chunk_id, run_id=run_id, done_at__isnull=True).update(
        done_at=timezone.now(), done_by=owner
    )
    _renew(run_id=run_id, owner=owner, workers_done=F("workers_done") + (workers if flipped else 0))


def run_finish(*, run_id: int, owner: UUID, status: str, error: str = "") -> bool:
    """Write the execution's final status and release the lease; False if another execution holds it.

    Retried on a fresh connection if the connection is lost (`on_a_live_connection`).
    """
    fields: dict[str, object] = {"status": status, "error": error[:2000], "lease_owner": None, "lease_expires_at": None}
    if status == RunStatus.COMPLETED:
        fields["finished_at"] = timezone.now()
    written = on_a_live_connection(
        lambda: SettlementRun.objects.filter(pk=run_id, lease_owner=owner).update(**fields),
        what=f"run {run_id}'s final status",
    )
    if written:
        return True
    if SettlementRun.objects.filter(pk=run_id, status=status, lease_owner__isnull=True).exists():
        return True  # an earlier attempt's write committed, and only its answer was lost with the connection
    logger.warning("Run %s: another execution took it over; this one's %s is not written.", run_id, status)
    return False


def on_a_live_connection(work: Callable[[], _T], *, what: str, attempts: int = RECONNECT_ATTEMPTS) -> _T:
    """`work()`, again on a fresh connection when the connection was lost (terminated, network).

    Only outside a transaction: inside one, what it wrote is gone with the connection, and the
    caller's transaction decides. `work` must be safe to repeat (an UPDATE to a final value, a chunk
    that skips what is done).
    """
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except (OperationalError, InterfaceError) as exc:
            if connection.in_atomic_block or attempt == attempts:
                raise
            logger.warning("Lost the database connection writing %s (%s); retrying on a fresh one.", what, exc)
            connection.close()
            time.sleep(min(0.1 * 2**attempt, 2.0))
    raise AssertionError("unreachable")
