"""Settlement runs and the remittance state machine.

Locks follow the project order: worker, then remittance, then worklog. A run settles workers in
chunks (`SETTLEMENT_CHUNK_SIZE`), one transaction per chunk, so no worker stays locked for longer
than its chunk takes; every write of a chunk is set-based (aggregates, bulk inserts and one
INSERT ... SELECT for the claims), never a loop over items.
"""

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import date
from itertools import islice

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Case, F, Max, Value, When
from django.utils import timezone

from ledger.errors import Conflict
from ledger.models import AccountKind
from ledger.money import MoneySum
from ledger.services import EntrySpec, accounts_for_parties, entries_post
from settlements import payouts
from settlements.models import (
    LIVE_REMITTANCE_STATUSES,
    Claim,
    Remittance,
    RemittanceEvent,
    RemittanceStatus,
    RunStatus,
    SettlementRun,
)
from settlements.selectors import default_period_end, items_eligible
from worklogs.models import Worker

ProgressCallback = Callable[[int, int], None]


def settlement_run_create(*, period_end: date | None = None, created_by=None) -> SettlementRun:
    return SettlementRun.objects.create(
        period_end=period_end or default_period_end(), status=RunStatus.QUEUED, created_by=created_by
    )


def settlement_generate(
    *,
    period_end: date | None = None,
    created_by=None,
    worker_ids: Iterable[int] | None = None,
    progress: ProgressCallback | None = None,
) -> SettlementRun:
    """Create a run and execute it: one remittance per worker with a positive eligible total."""
    run = settlement_run_create(period_end=period_end, created_by=created_by)
    return settlement_run_execute(run=run, worker_ids=worker_ids, progress=progress)


def _candidate_workers(worker_ids: Iterable[int] | None) -> list[int]:
    workers = Worker.objects.order_by("pk")
    if worker_ids is not None:
        workers = workers.filter(pk__in=list(worker_ids))
    return list(workers.values_list("pk", flat=True))


def settlement_run_execute(
    *, run: SettlementRun, worker_ids: Iterable[int] | None = None, progress: ProgressCallback | None = None
) -> SettlementRun:
    """Execute (or finish, after a crash) a run. Safe to call again: settled workers are skipped."""
    candidates = _candidate_workers(worker_ids)
    chunk_size = max(1, settings.SETTLEMENT_CHUNK_SIZE)
    chunks = [candidates[start : start + chunk_size] for start in range(0, len(candidates), chunk_size)]
    SettlementRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, workers_total=len(candidates), workers_done=0
    )
    try:
        for done in _settle_chunks(run=run, chunks=chunks):
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
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, min(settings.SETTLEMENT_PARALLELISM, len(chunks)))


def _settle_chunks(*, run: SettlementRun, chunks: list[list[int]]) -> Iterator[int]:
    """Settle every chunk, yielding the number of workers done after each one commits.

    On the first failure no further chunk starts; chunks already committed stay (a re-run or
    resume skips their workers), and the error is raised once the chunks in flight have finished.
    """
    done = 0
    parallelism = _parallelism(chunks)
    if parallelism == 1:
        for chunk in chunks:
            _settle_chunk(run=run, worker_ids=chunk)
            done += len(chunk)
            SettlementRun.objects.filter(pk=run.pk).update(workers_done=done)
            yield done
        return

    def settle(chunk: list[int]) -> int:
        try:
            _settle_chunk(run=run, worker_ids=chunk)
            SettlementRun.objects.filter(pk=run.pk).update(workers_done=F("workers_done") + len(chunk))
            return len(chunk)
        finally:
            connection.close()  # this thread's own connection

    pending = iter(chunks)
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="settle") as pool:
        in_flight = {pool.submit(settle, chunk) for chunk in islice(pending, parallelism)}
        failure: BaseException | None = None
        while in_flight:
            finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                if future.exception() is not None:
                    failure = failure or future.exception()
                    continue
                done += future.result()
                yield done
            if failure is None:
                in_flight |= {pool.submit(settle, chunk) for chunk in islice(pending, len(finished))}
    if failure is not None:
        raise failure


@transaction.atomic
def _settle_chunk(*, run: SettlementRun, worker_ids: list[int]) -> list[Remittance]:
    period_end = run.period_end
    # Every service that creates or frees an item locks its worker first, so while these locks are
    # held the eligible set of these workers cannot change between the sums and the claims.
    currency_by_worker = dict(
        Worker.objects.filter(pk__in=worker_ids).order_by("pk").select_for_update().values_list("pk", "currency")
    )
    already_paid = set(
        Remittance.objects.filter(
            worker_id__in=worker_ids, period_end=period_end, status__in=LIVE_REMITTANCE_STATUSES
        ).values_list("worker_id", flat=True)
    )
    eligible = items_eligible(period_end=period_end, worker_ids=worker_ids)
    totals = (
        eligible.exclude(worker_id__in=already_paid)
        .values("worker_id")
        .annotate(total=MoneySum("amount"))
        .order_by("worker_id")
    )
    # Totals are filtered here, on exact Decimals, rather than in SQL (SQLite sums NUMERIC as float).
    payable = [(row["worker_id"], row["total"]) for row in totals if row["total"] > 0]
    if not payable:
        return []
    try:
        with transaction.atomic():
            remittances = Remittance.objects.bulk_create(
                [
                    Remittance(
                        run=run,
                        worker_id=worker_id,
                        period_end=period_end,
                        amount=total,
                        currency=currency_by_worker[worker_id],
                        status=RemittanceStatus.PENDING,
                    )
                    for worker_id, total in payable
                ]
            )
            _claim_items(eligible=eligible, remittances=remittances)
    except IntegrityError as exc:
        raise Conflict(
            "Another settlement run claimed these workers' items at the same time; run it again.",
            code="concurrent_settlement",
        ) from exc
    _check_claims_match(remittances)
    RemittanceEvent.objects.bulk_create(
        [
            RemittanceEvent(remittance=r, from_status="", to_status=RemittanceStatus.PENDING, reason=f"run {run.pk}")
            for r in remittances
        ]
    )
    accounts = accounts_for_parties(parties=[r.worker_id for r in remittances], currency_by_party=currency_by_worker)
    entries_post(
        specs=[
            EntrySpec(
                cause="REMITTANCE_ISSUED",
                reference=f"remittance:{r.pk}",
                party=r.worker_id,
                memo=f"run {run.pk}, period end {period_end}",
                lines=[
                    (accounts[r.worker_id][AccountKind.PAYABLE], r.amount),
                    (accounts[r.worker_id][AccountKind.IN_TRANSIT], -r.amount),
                ],
            )
            for r in remittances
        ]
    )
    payouts.payouts_enqueue(remittances=remittances)
    return remittances


def _claim_items(*, eligible, remittances: list[Remittance]) -> None:
    """INSERT ... SELECT the claims of every eligible item of these remittances' workers, in one statement.

    No correlated subquery per item, and no join on the worker: each item finds its worker's new
    remittance through a CASE over the chunk's (worker, remittance) pairs, and the generations
    already used by claims that died (FAILED or CANCELLED remittances of these workers; an eligible
    item has no live claim) give the next one. A join on the worker would be counted twice by
    PostgreSQL's planner (the chunk filter already names those workers): it would expect a few rows
    per worker and probe four indexes per item instead of hashing (150-300 ms a chunk instead of
    ~30). Plain SQL, the same on SQLite and PostgreSQL.
    """
    worker_ids = [r.worker_id for r in remittances]
    remittance_of_worker = Case(
        *(When(worker_id=r.worker_id, then=Value(r.pk)) for r in remittances),
        default=None,
        output_field=BigIntegerField(),
    )
    items_sql, items_params = (
        eligible.annotate(
            e_item=F("pk"), e_remittance=remittance_of_worker, e_worklog=F("worklog_id"), e_amount=F("amount")
        )
        .values_list("e_item", "e_remittance", "e_worklog", "e_amount")
        .order_by()
        .query.sql_with_params()
    )
    used_sql, used_params = (
        Claim.objects.filter(remittance__worker_id__in=worker_ids)
        .exclude(remittance__status__in=LIVE_REMITTANCE_STATUSES)
        .values("item_id")
        .annotate(g_item=F("item_id"), g_last=Max("generation"))
        .values_list("g_item", "g_last")
        .order_by()
        .query.sql_with_params()
    )
    table = Claim._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (item_id, generation, remittance_id, worklog_id, amount) "  # noqa: S608
            f"SELECT e.e_item, COALESCE(g.g_last, 0) + 1, e.e_remittance, e.e_worklog, e.e_amount "
            f"FROM ({items_sql}) e LEFT JOIN ({used_sql}) g ON g.g_item = e.e_item "
            f"WHERE e.e_remittance IS NOT NULL",
            (*items_params, *used_params),
        )


def _check_claims_match(remittances: list[Remittance]) -> None:
    """Each remittance's amount must be the exact sum of the items it claimed."""
    sums = dict(
        Claim.objects.filter(remittance__in=remittances)
        .values("remittance_id")
        .annotate(total=MoneySum("amount"))
        .order_by()
        .values_list("remittance_id", "total")
    )
    for r in remittances:
        if sums.get(r.pk) != r.amount:
            raise RuntimeError(f"Remittance {r.pk}: claims sum to {sums.get(r.pk)}, not {r.amount}.")
