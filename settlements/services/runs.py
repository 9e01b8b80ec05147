"""Settlement runs and the remittance state machine.

Locks follow the project order: worker, then remittance, then worklog. A run settles workers in
chunks (`SETTLEMENT_CHUNK_SIZE`), one transaction per chunk, so no worker stays locked for longer
than its chunk takes; every write of a chunk is set-based (the eligible items staged once in a
temporary table, aggregates, bulk inserts and one INSERT ... SELECT for the claims), never a loop
over items. On PostgreSQL `SETTLEMENT_PARALLELISM` chunks run at once, each on its own connection.

One execution of a run at a time: it holds the run's lease, and each chunk's transaction marks its
chunk of the run's plan done, counts its workers and renews the lease (`run_lease`), so a run killed
at any moment keeps exactly what committed and a resume finishes the rest.
"""

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import date
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max

from ledger.errors import Conflict
from ledger.models import AccountKind
from ledger.money import CENT, MoneySum
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
logger = logging.getLogger(__name__)
# A chunk whose connection was lost is settled again on a fresh one, once.
CHUNK_ATTEMPTS = 2


def settlement_run_create(
    *, period_end: date | None = None, created_by=None, idempotency_key: str | None = None, request_hash: str = ""
) -> SettlementRun:
    """A QUEUED run. With `idempotency_key` (unique per `created_by`), a second run with the same key
    is refused by the database (IntegrityError): the caller finds the first."""
    return SettlementRun.objects.create(
        period_end=period_end or default_period_end(),
        status=RunStatus.QUEUED,
        created_by=created_by,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
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
    """Execute a run, or finish one that failed or stalled. Safe to call again: settled workers are skipped.

    Takes the run's lease first (`run_lease`): a COMPLETED run raises `RunCompleted`, a run another
    execution holds raises `RunInProgress` (both 409). The first execution plans the run (every
    worker, or `worker_ids`, cut into chunks of `SETTLEMENT_CHUNK_SIZE`); a resume settles the chunks
    of that plan not yet done, and ignores `worker_ids`.
    """
    owner = uuid.uuid4()
    run_lease_claim(run_id=run.pk, owner=owner)
    try:
        chunks, done_before, total = run_plan(
            run_id=run.pk,
            owner=owner,
            candidates=lambda: _candidate_workers(worker_ids),
            chunk_size=max(1, settings.SETTLEMENT_CHUNK_SIZE),
        )
        for done in _settle_chunks(run=run, chunks=chunks, owner=owner, done=done_before):
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


def _parallelism(chunks: list) -> int:
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


def _settle_chunks(*, run: SettlementRun, chunks: list[Chunk], owner: uuid.UUID, done: int) -> Iterator[int]:
    """Settle every chunk, yielding the number of workers done after each one commits.

    On the first failure no further chunk starts; chunks already committed stay (a re-run or
    resume skips their workers), and the error is raised once the chunks in flight have finished.
    """
    parallelism = _parallelism(chunks)
    if parallelism == 1:
        for chunk in chunks:
            done += _settle_counted(run=run, chunk=chunk, owner=owner)
            yield done
        return

    def settle(chunk: Chunk) -> int:
        try:
            return _settle_counted(run=run, chunk=chunk, owner=owner)
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


def _settle_counted(*, run: SettlementRun, chunk: Chunk, owner: uuid.UUID) -> int:
    """Settle one chunk (again on a fresh connection if its connection was lost: a chunk that did
    commit is then found done and counts nothing); returns its number of workers."""
    chunk_id, worker_ids = chunk
    on_a_live_connection(
        lambda: _settle_chunk(run=run, worker_ids=worker_ids, chunk_id=chunk_id, lease_owner=owner),
        what=f"run {run.pk}'s chunk {chunk_id}",
        attempts=CHUNK_ATTEMPTS,
    )
    run_checkpoint("chunk_committed")
    return len(worker_ids)


@transaction.atomic
def _settle_chunk(
    *, run: SettlementRun, worker_ids: list[int], chunk_id: int | None = None, lease_owner: uuid.UUID | None = None
) -> list[Remittance]:
    """Settle these workers in one transaction; with `chunk_id`, also mark that chunk of the run's
    plan done, count its workers in the progress and renew `lease_owner`'s lease, in the same
    transaction (`run_chunk_done`)."""
    remittances = _settle_workers(run=run, worker_ids=worker_ids)
    if chunk_id is not None:
        run_checkpoint("chunk_in_transaction")
        run_chunk_done(run_id=run.pk, chunk_id=chunk_id, owner=lease_owner, workers=len(worker_ids))
    return remittances


def _settle_workers(*, run: SettlementRun, worker_ids: list[int]) -> list[Remittance]:
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
    unpaid = [worker_id for worker_id in worker_ids if worker_id not in already_paid]
    payable = _stage_eligible_items(period_end=period_end, worker_ids=unpaid)
    if not payable:
        _clear_staged_items()
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
            _claim_staged_items(remittances=remittances)
    except IntegrityError as exc:
        raise Conflict(
            "Another settlement run claimed these workers' items at the same time; run it again.",
            code="concurrent_settlement",
        ) from exc
    _clear_staged_items()
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


# The chunk's eligible items, evaluated once per chunk: the totals and the claims both read them.
STAGED_ITEMS = "settlements_chunk_items"


def _stage_eligible_items(*, period_end: date, worker_ids: list[int]) -> list[tuple[int, Decimal]]:
    """Copy these workers' eligible items into a temporary table; return [(worker, total)] for totals > 0.

    Eligibility (`items_eligible`: three anti-joins over the chunk's claims, disputes and dated
    reversals) is the costliest read of a chunk; staging it once halves it, and the claims are then
    a plain INSERT ... SELECT from the staged rows. The table is temporary, so private to the
    chunk's connection (parallel chunks never see each other's); its rows live only within the
    chunk (emptied at the start and the end, and at commit on PostgreSQL). Totals are summed as
    whole cents, exact on both databases (SQLite sums NUMERIC as float), and filtered here on
    exact Decimals.
    """
    with connection.cursor() as cursor:
        # Once per connection, then reused: a table created and dropped per chunk would keep its
        # locks until the outer transaction ends when chunks run inside one (an idempotent request,
        # a test), exhausting PostgreSQL's lock table on a large run.
        on_commit = " ON COMMIT DELETE ROWS" if connection.vendor == "postgresql" else ""
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGED_ITEMS} (item_id BIGINT NOT NULL, "
            f"worker_id BIGINT NOT NULL, worklog_id BIGINT NOT NULL, amount NUMERIC(14, 2) NOT NULL, "
            f"cents BIGINT NOT NULL){on_commit}"
        )
        cursor.execute(f"DELETE FROM {STAGED_ITEMS}")  # noqa: S608 - an earlier chunk of the same transaction
        if not worker_ids:  # every worker of the chunk already has this period's payout
            return []
        eligible_sql, params = (
            items_eligible(period_end=period_end, worker_ids=worker_ids)
            .annotate(e_item=F("pk"), e_worker=F("worker_id"), e_worklog=F("worklog_id"), e_amount=F("amount"))
            .values_list("e_item", "e_worker", "e_worklog", "e_amount")
            .order_by()
            .query.sql_with_params()
        )
        cursor.execute(
            f"INSERT INTO {STAGED_ITEMS} (item_id, worker_id, worklog_id, amount, cents) "  # noqa: S608
            f"SELECT e.e_item, e.e_worker, e.e_worklog, e.e_amount, CAST(ROUND(e.e_amount * 100) AS BIGINT) "
            f"FROM ({eligible_sql}) e",
            params,
        )
        cursor.execute(
            f"SELECT worker_id, SUM(cents) FROM {STAGED_ITEMS} GROUP BY worker_id ORDER BY worker_id"  # noqa: S608
        )
        totals = [(worker_id, (Decimal(cents) / 100).quantize(CENT)) for worker_id, cents in cursor.fetchall()]
    return [(worker_id, total) for worker_id, total in totals if total > 0]


def _clear_staged_items() -> None:
    """Leave no staged rows on the connection. PostgreSQL empties the table at commit by itself
    (ON COMMIT DELETE ROWS), and the next chunk of the same transaction empties it first."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {STAGED_ITEMS}")  # noqa: S608


def _claim_staged_items(*, remittances: list[Remittance]) -> None:
    """INSERT ... SELECT a claim for every staged item of these remittances' workers, in one statement.

    Each item meets its worker's new remittance by a hash join on the worker, restricted to these
    remittances by id (an earlier, released execution of the same run may have others for the
    worker). The generations already used by claims that died (FAILED or CANCELLED remittances of
    these workers; an eligible item has no live claim) give the next one. Plain SQL, the same on
    SQLite and PostgreSQL.
    """
    used_sql, used_params = (
        Claim.objects.filter(remittance__worker_id__in=[r.worker_id for r in remittances])
        .exclude(remittance__status__in=LIVE_REMITTANCE_STATUSES)
        .values("item_id")
        .annotate(g_item=F("item_id"), g_last=Max("generation"))
        .values_list("g_item", "g_last")
        .order_by()
        .query.sql_with_params()
    )
    ids = [r.pk for r in remittances]
    table, remittance_table = Claim._meta.db_table, Remittance._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (item_id, generation, remittance_id, worklog_id, amount) "  # noqa: S608
            f"SELECT t.item_id, COALESCE(g.g_last, 0) + 1, r.id, t.worklog_id, t.amount "
            f"FROM {STAGED_ITEMS} t JOIN {remittance_table} r ON r.worker_id = t.worker_id "
            f"LEFT JOIN ({used_sql}) g ON g.g_item = t.item_id "
            f"WHERE r.id IN ({', '.join(['%s'] * len(ids))})",
            (*used_params, *ids),
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
