"""What the bench undoes of its own writes, so that every timed run sees the same data: a settlement
run (`undo_run`) and the ingestion floor's segments (`undo_segments`), by bench-only deletes under
`session_replication_role = replica`; and `settled_count`, which waits for a load's last request
before its rows are counted or undone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import connection


def _referencing(table: str) -> list[tuple[str, str]]:
    """(table, column) of every foreign key pointing at `table`."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname
            FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND c.confrelid = %s::regclass
            """,
            [table],
        )
        return cursor.fetchall()


@contextmanager
def _guards_off() -> Iterator[Any]:
    """A cursor whose session skips triggers (the guards that refuse deleting money rows, and the
    foreign-key checks): bench-only, reset when the block ends."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            cursor.execute("RESET session_replication_role")


def undo_run(run_id: int) -> None:
    """Delete everything a run wrote, so the next timing starts from the same data.

    Bench-only: the guard triggers forbid this in production, so it runs with
    `session_replication_role = replica`, then vacuums what it deleted.
    """
    remittances = "(SELECT id FROM settlements_remittance WHERE run_id = %s)"
    with _guards_off() as cursor:
        cursor.execute(
            "DELETE FROM ledger_posting WHERE entry_id IN (SELECT e.id FROM ledger_journalentry e "
            "JOIN settlements_remittance r ON e.reference = 'remittance:' || r.id WHERE r.run_id = %s)",
            [run_id],
        )
        cursor.execute(
            "DELETE FROM ledger_journalentry e USING settlements_remittance r "
            "WHERE e.reference = 'remittance:' || r.id AND r.run_id = %s",
            [run_id],
        )
        cursor.execute(f"DELETE FROM settlements_claim WHERE remittance_id IN {remittances}", [run_id])  # noqa: S608
        for table, column in _referencing("settlements_remittance"):
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN {remittances}", [run_id])  # noqa: S608
        cursor.execute("DELETE FROM settlements_remittance WHERE run_id = %s", [run_id])
        for table, column in _referencing("settlements_settlementrun"):
            cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [run_id])  # noqa: S608
        cursor.execute("DELETE FROM settlements_settlementrun WHERE id = %s", [run_id])
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for table in ("settlements_claim", "settlements_remittance", "ledger_journalentry", "ledger_posting"):
                cursor.execute(f"VACUUM ANALYZE {table}")


def settled_count(count, *, quiet_seconds: float = 1.0, timeout: float = 30.0, sleep=time.sleep) -> int:
    """`count()` once it has stopped changing for `quiet_seconds`: wrk stops at its deadline with
    requests in flight, and gunicorn still finishes them, so the rows of a load are counted (or
    undone) only after its last request has landed. Gives up waiting after `timeout` seconds."""
    waited, last = 0.0, count()
    while waited < timeout:
        sleep(quiet_seconds)
        waited += quiet_seconds
        now = count()
        if now == last:
            return now
        last = now
    return last


def undo_segments(*, worklog_ids: list[int], after_segment_id: int, started_before: datetime) -> int:
    """Delete the segments (and their items) recorded on these worklogs after `after_segment_id` and
    starting before `started_before`: the ingestion floor's rows, which have no running totals or
    ledger behind them. (The product's posts start later: one of them still in flight when its load
    stopped lands after `after_segment_id` and must stay.) Bench-only, like `undo_run`. Returns the
    number of segments deleted."""
    with _guards_off() as cursor:
        cursor.execute(
            "DELETE FROM worklogs_item i USING worklogs_segment s WHERE s.id = i.segment_id"
            " AND s.worklog_id = ANY(%s) AND s.id > %s AND s.started_at < %s",
            [worklog_ids, after_segment_id, started_before],
        )
        cursor.execute(
            "DELETE FROM worklogs_segment WHERE worklog_id = ANY(%s) AND id > %s AND started_at < %s",
            [worklog_ids, after_segment_id, started_before],
        )
        deleted = cursor.rowcount
    return deleted
