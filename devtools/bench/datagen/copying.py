"""COPY into PostgreSQL with the bulk indexes dropped, and the helpers every load phase shares."""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from devtools.bench.datagen.plan import (
    ACCOUNT_KINDS,
    BATCH_WORKERS,
    WORKLOGS_PER_WORKER,
    Plan,
    State,
    copy_row,
    copy_ts,
    money_text,
    round_cents,
)


class CopyLoader:
    """The COPY plumbing, ids and rounding every load phase shares (`Loader` adds the phases)."""

    def __init__(self, plan: Plan, log=print):
        self.plan = plan
        self.log = log
        self.state = State()
        self.tz = ZoneInfo(settings.TIME_ZONE)

    # --- plumbing ---------------------------------------------------------------------------

    def _copy(self, table: str, columns: str, rows: list[str]) -> None:
        if not rows:
            return
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for start in range(0, len(rows), 20_000):
                copy.write("".join(rows[start : start + 20_000]))

    @contextmanager
    def _bulk_indexes(self, tables: tuple[str, ...]):
        """Drop the secondary indexes and unique/exclusion constraints of `tables` around a bulk
        load and build them again after it (standard PostgreSQL bulk-load practice): one sorted
        build is much cheaper than millions of insertions, and re-adding a constraint re-checks it."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'x')",
                [list(tables)],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
                [list(tables)],
            )
            indexes = cursor.fetchall()
            for table, name, _ in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {name}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '256MB'")
                for _, definition in indexes:
                    cursor.execute(definition)
                for table, name, definition in constraints:
                    cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                cursor.execute("RESET maintenance_work_mem")

    def _session_for_load(self, on: bool) -> None:
        with connection.cursor() as cursor:
            if on:
                cursor.execute("SET session_replication_role = replica")
                cursor.execute("SET synchronous_commit = off")
            else:
                cursor.execute("RESET session_replication_role")
                cursor.execute("RESET synchronous_commit")

    def _month_bounds(self, period_end: date) -> tuple[datetime, int]:
        start_local = datetime.combine(period_end.replace(day=1), time(0), tzinfo=self.tz)
        end_local = datetime.combine(period_end + timedelta(days=1), time(0), tzinfo=self.tz)
        start = start_local.astimezone(UTC)
        return start, int((end_local.astimezone(UTC) - start).total_seconds())

    def _work_date(self, started: datetime) -> date:
        return started.astimezone(self.tz).date()

    def _rng(self, phase: int, worker_id: int) -> random.Random:
        return random.Random(self.plan.seed * 1_000_003 + phase * 100_003 + worker_id)  # noqa: S311 - test data

    def _worklog_ids(self, worker_id: int) -> range:
        first = (worker_id - 1) * WORKLOGS_PER_WORKER + 1
        return range(first, first + WORKLOGS_PER_WORKER)

    def _batches(self):
        for first in range(1, self.plan.workers + 1, BATCH_WORKERS):
            yield range(first, min(first + BATCH_WORKERS, self.plan.workers + 1))

    def _item_cents(self, worklog_id: int, units: int) -> int:
        before = self.state.running_units[worklog_id]
        self.state.running_units[worklog_id] = before + units
        return round_cents(before + units) - round_cents(before)

    def _ledger_rows(self, phase_cents: dict[int, int], worker_of: dict[int, int], when: datetime):
        entries, postings = [], []
        for worklog_id, cents in phase_cents.items():
            if cents == 0:
                continue
            entry_id = self.state.next_entry_id
            self.state.next_entry_id += 1
            party = worker_of[worklog_id]
            entries.append(copy_row(entry_id, copy_ts(when), "BENCH_LOAD", f"worklog:{worklog_id}", "", party))
            base = (party - 1) * len(ACCOUNT_KINDS)
            postings.append(copy_row(entry_id, base + 1, money_text(cents), "USD"))  # EXPENSE, debit
            postings.append(copy_row(entry_id, base + 2, money_text(-cents), "USD"))  # PAYABLE, credit
        self._copy("ledger_journalentry", "id, created_at, cause, reference, memo, party", entries)
        self._copy("ledger_posting", "entry_id, account_id, amount, currency", postings)

    # --- phase 0: workers, accounts, tasks, worklogs ----------------------------------------
