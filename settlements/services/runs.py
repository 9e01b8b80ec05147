"""Settlement runs: created, executed chunk by chunk (`chunks`), resumable.

Locks come from `settlements.locks`, in the one order of docs/ARCHITECTURE.md. A run settles workers in
chunks (`SETTLEMENT_CHUNK_SIZE`), one transaction per chunk, so no worker stays locked for longer
than its chunk takes; every write of a chunk is set-based (the eligible items staged once in a
temporary table, aggregates, bulk inserts and one INSERT ... SELECT for the claims), never a loop
over items. On PostgreSQL `SETTLEMENT_PARALLELISM` chunks run at once, each on its own connection.

One execution of a run at a time: it holds the run's lease, and each chunk's transaction marks its
chunk of the run's plan done, counts its workers and renews the lease (`run_lease`), so a run killed
at any moment keeps exactly what committed and a resume finishes the rest.
"""

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextvars import copy_context
from datetime import date
from itertools import islice

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from audit.models import Action, ObjectType
from audit.services import audit_changes, audit_record
from core.log_context import log_context
from settlements.models import Remittance, RunStatus, SettlementRun, SettlementRunChunk
from settlements.selectors import default_period_end
from settlements.services.chunks import settle_workers
from settlements.services.run_checkpoints import run_checkpoint
from settlements.services.run_lease import (
    RunLeaseLost,
    on_a_live_connection,
    run_chunk_done,
    run_finish,
    run_lease_claim,
    run_plan,
)
from worklogs.models import Worker

ProgressCallback = Callable[[int, int], None]
#: Called after each chunk commits with (workers in the chunk, seconds its transaction took, i.e.
#: the longest any of its workers stayed locked). The benchmark's hook; may run on a chunk thread.
ChunkObserver = Callable[[int, float], None]
logger = logging.getLogger(__name__)
# A chunk whose connection was lost is settled again on a fresh one, once.
CHUNK_ATTEMPTS = 2


@transaction.atomic
def settlement_run_create(
    *,
    period_end: date | None = None,
    created_by: User | None = None,
    idempotency_key: str | None = None,
    request_hash: str = "",
) -> SettlementRun:
    """A QUEUED run. With `idempotency_key` (unique per `created_by`), a second run with the same key
    is refused by the database (IntegrityError): the caller finds the first.

    `created_by` is who started it (None: the system, e.g. `manage.py run_settlement`), kept on the
    run and in the audit trail. The remittances the run creates are the run's: no event each.
    With `SETTLEMENT_APPROVAL_REQUIRED` the run awaits four-eyes approval (`approvals`) before any
    of its payouts is submitted; the run keeps that setting as it was at its creation."""
    run = SettlementRun.objects.create(
        period_end=period_end or default_period_end(),
        status=RunStatus.QUEUED,
        created_by=created_by,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        approval_required=settings.SETTLEMENT_APPROVAL_REQUIRED,
    )
    audit_record(
        actor=created_by,
        action=Action.SETTLEMENT_RUN_CREATED,
        object_type=ObjectType.SETTLEMENT_RUN,
        object_id=run.pk,
        changes=audit_changes(
            {}, {"period_end": run.period_end, "status": run.status, "approval_required": run.approval_required}
        ),
    )
    return run


def settlement_generate(
    *,
    period_end: date | None = None,
    created_by: User | None = None,
    worker_ids: Iterable[int] | None = None,
    progress: ProgressCallback | None = None,
    on_chunk: ChunkObserver | None = None,
) -> SettlementRun:
    """Create a run and execute it: one remittance per worker with a positive eligible total."""
    run = settlement_run_create(period_end=period_end, created_by=created_by)
    return settlement_run_execute(run=run, worker_ids=worker_ids, progress=progress, on_chunk=on_chunk)


def _candidate_workers(worker_ids: Iterable[int] | None) -> list[int]:
    workers = Worker.objects.order_by("pk")
    if worker_ids is not None:
        workers = workers.filter(pk__in=list(worker_ids))
    return list(workers.values_list("pk", flat=True))


def settlement_run_execute(
    *,
    run: SettlementRun,
    worker_ids: Iterable[int] | None = None,
    progress: ProgressCallback | None = None,
    on_chunk: ChunkObserver | None = None,
) -> SettlementRun:
    """Execute a run, or finish one that failed or stalled. Safe to call again: settled workers are skipped.

    Takes the run's lease first (`run_lease`): a COMPLETED run raises `RunCompleted`, a run another
    execution holds raises `RunInProgress` (both 409). The first execution plans the run (every
    worker, or `worker_ids`, cut into chunks of `SETTLEMENT_CHUNK_SIZE`); a resume settles the chunks
    of that plan not yet done, and ignores `worker_ids`.
    """
    with log_context(run_id=run.pk):
        owner = uuid.uuid4()
        chunks, done_before, total = settlement_run_begin(run=run, owner=owner, worker_ids=worker_ids)
        try:
            for done in _settle_chunks(run=run, chunks=chunks, owner=owner, done=done_before, on_chunk=on_chunk):
                if progress:
                    progress(done, total)
            run_checkpoint("before_finish")
        except RunLeaseLost:
            raise  # another execution holds the run now: its status is its own to write
        except BaseException as exc:  # a failure, or an interruption (Ctrl-C): FAILED, resumable at once
            run_finish(run_id=run.pk, owner=owner, status=RunStatus.FAILED, error=str(exc) or type(exc).__name__)
            raise
        run_finish(run_id=run.pk, owner=owner, status=RunStatus.COMPLETED)
    run.refresh_from_db()
    return run


def settlement_run_begin(
    *, run: SettlementRun, owner: uuid.UUID, worker_ids: Iterable[int] | None = None
) -> tuple[list["Chunk"], int, int]:
    """Take the run's lease for the execution `owner` and return its plan: the chunks still to settle,
    the workers done and in all. Raises `RunCompleted` / `RunInProgress` (the lease) like
    `settlement_run_execute`, which starts with it; a fanned-out execution (settlements/fanout.py)
    starts with it too, then hands each chunk to a task."""
    run_lease_claim(run_id=run.pk, owner=owner)
    try:
        return run_plan(
            run_id=run.pk,
            owner=owner,
            candidates=lambda: _candidate_workers(worker_ids),
            chunk_size=max(1, settings.SETTLEMENT_CHUNK_SIZE),
        )
    except RunLeaseLost:
        raise
    except BaseException as exc:
        run_finish(run_id=run.pk, owner=owner, status=RunStatus.FAILED, error=str(exc) or type(exc).__name__)
        raise


def settlement_chunk_settle(*, run: SettlementRun, chunk: "Chunk", owner: uuid.UUID) -> int:
    """Settle one chunk of the plan for the execution `owner` (its own transaction, again on a fresh
    connection if its connection is lost); its number of workers. A chunk already done counts 0 workers
    and pays nobody again; `RunLeaseLost` when another execution holds the run."""
    return _settle_counted(run=run, chunk=chunk, owner=owner)


def settlement_run_close(*, run_id: int, owner: uuid.UUID) -> bool:
    """COMPLETED once every chunk of the plan is done, if `owner` still holds the run; True only for the
    call whose write completed it (so one caller sends the run's payouts). Each chunk calls this after
    its commit: the last to commit sees every other one done."""
    if SettlementRunChunk.objects.filter(run_id=run_id, done_at__isnull=True).exists():
        return False
    completed = SettlementRun.objects.filter(pk=run_id, lease_owner=owner, status=RunStatus.RUNNING).update(
        status=RunStatus.COMPLETED, error="", lease_owner=None, lease_expires_at=None, finished_at=timezone.now()
    )
    return completed == 1


def _parallelism(chunks: "list[Chunk]") -> int:
    """How many chunks to settle at once: `SETTLEMENT_PARALLELISM` on PostgreSQL, else one.

    Chunks hold disjoint workers, and every lock, claim and ledger account of a chunk belongs to its
    workers, so two chunks never wait for each other; each runs in its own thread and connection, so
    PostgreSQL works on as many cores. SQLite has one writer at a time, and a caller inside a
    transaction (a test, an outer atomic block) must see its own uncommitted rows: both settle
    chunk after chunk in the calling connection.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block or not connection.get_autocommit():
        return 1
    return max(1, min(settings.SETTLEMENT_PARALLELISM, len(chunks)))


Chunk = tuple[int, list[int]]  # (chunk row id, worker ids)


def _settle_chunks(
    *, run: SettlementRun, chunks: list[Chunk], owner: uuid.UUID, done: int, on_chunk: ChunkObserver | None = None
) -> Iterator[int]:
    """Settle every chunk, yielding the number of workers done after each one commits.

    On the first failure no further chunk starts; chunks already committed stay (a re-run or
    resume skips their workers), and the error is raised once the chunks in flight have finished.
    """
    parallelism = _parallelism(chunks)
    if parallelism == 1:
        for chunk in chunks:
            done += _settle_counted(run=run, chunk=chunk, owner=owner, on_chunk=on_chunk)
            yield done
        return

    def settle(chunk: Chunk) -> int:
        try:
            return _settle_counted(run=run, chunk=chunk, owner=owner, on_chunk=on_chunk)
        finally:
            connection.close()  # this thread's own connection

    pending = iter(chunks)
    failure: BaseException | None = None
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="settle") as pool:
        # Each chunk thread logs with this execution's context (run id, request or task).
        in_flight = {pool.submit(copy_context().run, settle, chunk) for chunk in islice(pending, parallelism)}
        while in_flight:
            finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                error = future.exception()
                if error is None:
                    done += future.result()
                    yield done
                elif failure is None:
                    failure = error
                else:  # only the first is raised; the others are logged
                    logger.error("Settlement run %s: another chunk failed too", run.pk, exc_info=error)
            if failure is None:
                in_flight |= {
                    pool.submit(copy_context().run, settle, chunk) for chunk in islice(pending, len(finished))
                }
    if failure is not None:
        raise failure


def _settle_counted(
    *, run: SettlementRun, chunk: Chunk, owner: uuid.UUID, on_chunk: ChunkObserver | None = None
) -> int:
    """Settle one chunk (again on a fresh connection if its connection was lost: a chunk that did
    commit is then found done and counts nothing); returns its number of workers."""
    chunk_id, worker_ids = chunk
    started = time.perf_counter()
    on_a_live_connection(
        lambda: _settle_chunk(run=run, worker_ids=worker_ids, chunk_id=chunk_id, lease_owner=owner),
        what=f"run {run.pk}'s chunk {chunk_id}",
        attempts=CHUNK_ATTEMPTS,
    )
    if on_chunk is not None:
        on_chunk(len(worker_ids), time.perf_counter() - started)
    run_checkpoint("chunk_committed")
    return len(worker_ids)


@transaction.atomic
def _settle_chunk(
    *, run: SettlementRun, worker_ids: list[int], chunk_id: int | None = None, lease_owner: uuid.UUID | None = None
) -> list[Remittance]:
    """Settle these workers in one transaction; with `chunk_id`, also mark that chunk of the run's
    plan done, count its workers in the progress and renew `lease_owner`'s lease, in the same
    transaction (`run_chunk_done`)."""
    remittances = settle_workers(run=run, worker_ids=worker_ids)
    if chunk_id is not None:
        run_checkpoint("chunk_in_transaction")
        assert lease_owner is not None  # a chunk of the plan is settled by the execution holding the lease
        run_chunk_done(run_id=run.pk, chunk_id=chunk_id, owner=lease_owner, workers=len(worker_ids))
    return remittances
