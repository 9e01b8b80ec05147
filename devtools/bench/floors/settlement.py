"""The settlement floor: the month's eligible items claimed into one remittance per worker, in one
statement per chunk (an INSERT ... SELECT of the remittances and an INSERT ... SELECT of the claims,
joined in one data-modifying CTE), chunks of `SETTLEMENT_CHUNK_SIZE` workers, `SETTLEMENT_PARALLELISM`
at a time. No locks, no ledger, no events, no checks: what the product's run cannot go below.

Eligibility is API.md money rule 4 as `settlements.selectors.items_eligible` states it, written out
by hand and narrowed to the chunk's workers the same way; `tests/devtools/test_bench_floors.py`
checks the floor pays every worker exactly what the product pays. The floor's run is undone like
the product's (`undo.undo_run`), so the next run sees the same data.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from django.conf import settings
from django.db import connection

from settlements.models import LIVE_REMITTANCE_STATUSES
from settlements.services.runs import settlement_run_create
from worklogs.models import Worker

LIVE = "(" + ", ".join(f"'{status}'" for status in LIVE_REMITTANCE_STATUSES) + ")"

# %(workers)s: the chunk's worker ids (an array), %(end)s: the period end, %(run)s: the run's id.
CHUNK_SQL = f"""
WITH eligible AS MATERIALIZED (
    SELECT i.id, i.worker_id, i.worklog_id, i.amount
    FROM worklogs_item i
    WHERE i.worker_id = ANY(%(workers)s)
      AND (i.work_date IS NULL OR i.work_date <= %(end)s)
      AND (i.effective_date IS NULL OR i.effective_date <= %(end)s)
      AND NOT EXISTS (
          SELECT 1 FROM settlements_claim c JOIN settlements_remittance r ON r.id = c.remittance_id
          WHERE c.item_id = i.id AND r.worker_id = ANY(%(workers)s) AND r.status IN {LIVE})
      AND NOT EXISTS (
          SELECT 1 FROM worklogs_segment s
          WHERE s.id = i.segment_id AND s.worker_id = ANY(%(workers)s) AND s.status = 'DISPUTED')
      AND NOT EXISTS (
          SELECT 1 FROM worklogs_item v
          WHERE v.reverses_id = i.id AND v.worker_id = ANY(%(workers)s) AND v.effective_date > %(end)s)
      -- Workers already paid for the period: one list, read once per chunk (an InitPlan). As a
      -- correlated NOT EXISTS the planner expected no row and rescanned, for each item, every
      -- remittance of the period, which the run itself keeps adding: 13 minutes at scale 1.
      AND i.worker_id <> ALL (ARRAY(
          SELECT p.worker_id FROM settlements_remittance p
          WHERE p.worker_id = ANY(%(workers)s) AND p.period_end = %(end)s AND p.status IN {LIVE}))
),
remittances AS (
    INSERT INTO settlements_remittance
        (run_id, worker_id, period_end, amount, currency, status, provider_reference, status_reason, created_at)
    SELECT %(run)s, e.worker_id, %(end)s, SUM(e.amount), w.currency, 'PENDING', '', '', now()
    FROM eligible e JOIN worklogs_worker w ON w.id = e.worker_id
    GROUP BY e.worker_id, w.currency
    HAVING SUM(e.amount) > 0
    RETURNING id, worker_id
)
INSERT INTO settlements_claim (item_id, generation, remittance_id, worklog_id, amount)
SELECT e.id, COALESCE(g.last, 0) + 1, r.id, e.worklog_id, e.amount
FROM eligible e
JOIN remittances r ON r.worker_id = e.worker_id
LEFT JOIN (
    SELECT c.item_id, MAX(c.generation) AS last
    FROM settlements_claim c JOIN settlements_remittance d ON d.id = c.remittance_id
    WHERE d.worker_id = ANY(%(workers)s) AND d.status NOT IN {LIVE}
    GROUP BY c.item_id
) g ON g.item_id = e.id
"""  # noqa: S608 - only the fixed LIVE statuses are formatted in


def _settle_chunk(*, run_id: int, period_end: date, worker_ids: list[int], own_connection: bool) -> int:
    """One chunk in one statement (autocommit: its own transaction); the claims it wrote."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(CHUNK_SQL, {"workers": worker_ids, "end": period_end, "run": run_id})
            return cursor.rowcount
    finally:
        if own_connection:
            connection.close()


def floor_settle(*, period_end: date, chunk_size: int | None = None, parallelism: int | None = None) -> dict:
    """Create a run and claim its period's eligible items the floor's way; returns the run id, the
    seconds (from the run's creation to the last chunk's commit, as the product's run is timed), the
    claims and the remittances. The caller undoes the run (`undo.undo_run`).

    With `parallelism` 1, or inside a transaction (a test), every chunk runs on this connection."""
    chunk_size = chunk_size or settings.SETTLEMENT_CHUNK_SIZE
    parallelism = parallelism or settings.SETTLEMENT_PARALLELISM
    if connection.in_atomic_block:
        parallelism = 1
    start = time.perf_counter()
    run = settlement_run_create(period_end=period_end)
    workers = list(Worker.objects.order_by("pk").values_list("pk", flat=True))
    chunks = [workers[i : i + chunk_size] for i in range(0, len(workers), chunk_size)]
    if parallelism == 1:
        claims = sum(
            _settle_chunk(run_id=run.pk, period_end=period_end, worker_ids=c, own_connection=False) for c in chunks
        )
    else:
        with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="floor") as pool:
            claims = sum(
                pool.map(
                    lambda c: _settle_chunk(run_id=run.pk, period_end=period_end, worker_ids=c, own_connection=True),
                    chunks,
                )
            )
    seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM settlements_remittance WHERE run_id = %s", [run.pk])
        remittances = cursor.fetchone()[0]
    return {"run_id": run.pk, "seconds": seconds, "items": claims, "remittances": remittances}
