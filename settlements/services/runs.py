"""Settlement runs: created, executed chunk by chunk (`chunks`), resumable.

Locks follow the project order: worker, then remittance, then worklog. A run settles workers in
chunks (`SETTLEMENT_CHUNK_SIZE`), one transaction per chunk, so no worker stays locked for longer
than its chunk takes; every write of a chunk is set-based (the eligible items staged once in a
temporary table, aggregates, bulk inserts and one INSERT ... SELECT for the claims), never a loop
over items. On PostgreSQL `SETTLEMENT_PARALLELISM` chunks run at once, each on its own connection.
"""

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import date
from itertools import islice

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import F
from django.utils import timezone

from settlements.models import (
    RunStatus,
    SettlementRun,
)
from settlements.selectors import default_period_end
from settlements.services.chunks import settle_chunk
from worklogs.models import Worker

ProgressCallback = Callable[[int, int], None]
#: Called after each chunk commits with (workers in the chunk, seconds its transaction took, i.e.
#: the longest any of its workers stayed locked). The benchmark's hook; may run on a chunk thread.
ChunkObserver = Callable[[int, float], None]
logger = logging.getLogger(__name__)


def settlement_run_create(*, period_end: date | None = None, created_by: User | None = None) -> SettlementRun:
    return SettlementRun.objects.create(
        period_end=period_end or default_period_end(), status=RunStatus.QUEUED, created_by=created_by
    )


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
    """Execute (or finish, after a crash) a run. Safe to call again: settled workers are skipped."""
    candidates = _candidate_workers(worker_ids)
    chunk_size = max(1, settings.SETTLEMENT_CHUNK_SIZE)
    chunks = [candidates[start : start + chunk_size] for start in range(0, len(candidates), chunk_size)]
    SettlementRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, workers_total=len(candidates), workers_done=0
    )
    try:
        for done in _settle_chunks(run=run, chunks=chunks, on_chunk=on_chunk):
            if progress:
                progress(done, len(candidates))
    except Exception as exc:
        SettlementRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=str(exc)[:2000])
        raise
    SettlementRun.objects.filter(pk=run.pk).update(status=RunStatus.COMPLETED, finished_at=timezone.now())
    run.refresh_from_db()
    return run


def _parallelism(chunks: list[list[int]]) -> int:
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


def _settle_chunks(
    *, run: SettlementRun, chunks: list[list[int]], on_chunk: ChunkObserver | None = None
) -> Iterator[int]:
    """Settle every chunk, yielding the number of workers done after each one commits.

    On the first failure no further chunk starts; chunks already committed stay (a re-run or
    resume skips their workers), and the error is raised once the chunks in flight have finished.
    """
    done = 0
    parallelism = _parallelism(chunks)
    if parallelism == 1:
        for chunk in chunks:
            done += _settle_counted(run=run, worker_ids=chunk, on_chunk=on_chunk)
            yield done
        return

    def settle(chunk: list[int]) -> int:
        try:
            return _settle_counted(run=run, worker_ids=chunk, on_chunk=on_chunk)
        finally:
            connection.close()  # this thread's own connection

    pending = iter(chunks)
    failure: BaseException | None = None
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="settle") as pool:
        in_flight = {pool.submit(settle, chunk) for chunk in islice(pending, parallelism)}
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
                in_flight |= {pool.submit(settle, chunk) for chunk in islice(pending, len(finished))}
    if failure is not None:
        raise failure


def _settle_counted(*, run: SettlementRun, worker_ids: list[int], on_chunk: ChunkObserver | None = None) -> int:
    """Settle one chunk, then count its workers in the run's progress; returns how many."""
    started = time.perf_counter()
    settle_chunk(run=run, worker_ids=worker_ids)
    if on_chunk is not None:
        on_chunk(len(worker_ids), time.perf_counter() - started)
    SettlementRun.objects.filter(pk=run.pk).update(workers_done=F("workers_done") + len(worker_ids))
    return len(worker_ids)
