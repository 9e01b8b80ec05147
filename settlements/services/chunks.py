"""One settlement chunk's work: paying a slice of the run's workers, set-based, in the chunk's
transaction (held by `runs`, which also marks the chunk done in the same transaction).

It locks the chunk's workers, stages their eligible items once in a temporary table, sums them per
worker as whole cents, bulk-inserts the remittances, claims the items with one INSERT ... SELECT,
checks every remittance equals the sum of its claims, posts the ledger entries and writes the payout
submissions (unless the run awaits approval: then its approval writes them). Never a loop over items.
"""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max

from core.errors import Conflict
from core.money import CENT, MoneySum
from ledger.models import AccountKind
from ledger.services import EntrySpec, accounts_for_parties, entries_post
from settlements.locks import lock_workers
from settlements.models import (
    LIVE_REMITTANCE_STATUSES,
    Claim,
    Remittance,
    RemittanceEvent,
    RemittanceStatus,
    SettlementRun,
)
from settlements.selectors import items_eligible
from settlements.services.submissions import payout_submissions_create


def settle_workers(*, run: SettlementRun, worker_ids: list[int]) -> list[Remittance]:
    """Pay these workers for the run's period; the caller holds the chunk's transaction."""
    period_end = run.period_end
    # Every service that creates or frees an item locks its worker first, so while these locks are
    # held the eligible set of these workers cannot change between the sums and the claims.
    currency_by_worker = lock_workers(worker_ids)
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
    if not run.awaiting_approval:  # else the run's approval writes them (`approvals`; a trigger insists)
        payout_submissions_create(remittances=remittances)
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
