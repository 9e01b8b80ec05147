"""The synthetic data set, loaded with PostgreSQL COPY.

Shape (at scale 1): 10,000 workers with 20 worklogs each (200,000 worklogs, 1,000 tasks); a first
month of history (`history` x 200 segments per worker) settled by the real `settlement_generate`
and marked PAID set-based; then the month to settle: 200 segments per worker (2,000,000) on 75% of
the worklogs, 2% removed (earning + reversal; a tenth of those with an effectiveDate after the
period, which holds the earning back too), 2% disputed, 2% of the paid month's segments removed
afterwards (clawbacks), and 5 adjustments per worker (50,000; a fifth not yet due).

Everything the services would have written is written, with the same numbers: each item's cents
by API.md's rounding rule over the worklog's items in id (creation) order, the worklog running
totals, the ledger accounts and balances. One simplification, on purpose: the loaded history posts
one ledger entry per worklog and load phase (EXPENSE debit / PAYABLE credit of the phase's item
cents) instead of one entry per item. Every account balance is what per-item entries would give,
and the settlement under test posts its own entries as in production; per-item entries would only
add 2 x 3M history rows that no measured path reads.

The load runs with `session_replication_role = replica` (skips foreign-key and guard triggers for
the loader's session only): the rows are consistent by construction, and `verify_dataset` checks it
afterwards with set-based SQL (the test suite also runs the full `audit_totals` on a small one).
"""

from __future__ import annotations

import random
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from core.money import EXACT_UNITS_PER_CENT
from settlements.selectors import default_period_end

WORKLOGS_PER_WORKER = 20
TASKS = 1000
SEGMENTS_PER_WORKER = 200
ADJUSTMENTS_PER_WORKER = 5
REMOVED_SHARE = 0.02
DISPUTED_SHARE = 0.02
ACTIVE_WORKLOG_SHARE = 0.75
BATCH_WORKERS = 250
BULK_TABLES = ("worklogs_segment", "worklogs_item", "ledger_journalentry", "ledger_posting")
ACCOUNT_KINDS = ("EXPENSE", "PAYABLE", "IN_TRANSIT", "CASH")
HALF_CENT = EXACT_UNITS_PER_CENT // 2


def _round_cents(units: int) -> int:
    """core.money.round_exact in integer cents: floor(100x + 1/2), exact for negatives too."""
    return (units + HALF_CENT) // EXACT_UNITS_PER_CENT


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S+00")


def _row(*values) -> str:
    return "\t".join(r"\N" if v is None else str(v) for v in values) + "\n"


@dataclass
class Plan:
    scale: float = 1.0
    history: float = 0.5
    seed: int = 20261031
    workers: int = field(init=False)
    worklogs: int = field(init=False)
    month1_per_worker: int = field(init=False)
    period1_end: date = field(init=False)
    period2_end: date = field(init=False)

    def __post_init__(self):
        self.workers = max(4, round(10_000 * self.scale))
        self.worklogs = self.workers * WORKLOGS_PER_WORKER
        self.month1_per_worker = max(1, round(SEGMENTS_PER_WORKER * self.history))
        self.period2_end = default_period_end()
        self.period1_end = self.period2_end.replace(day=1) - timedelta(days=1)

    @property
    def segments_to_settle(self) -> int:
        return self.workers * SEGMENTS_PER_WORKER

    def as_dict(self) -> dict:
        return {
            "scale": self.scale,
            "workers": self.workers,
            "worklogs": self.worklogs,
            "segments_history": self.workers * self.month1_per_worker,
            "segments_to_settle": self.segments_to_settle,
            "adjustments": self.workers * ADJUSTMENTS_PER_WORKER,
            "period_paid": self.period1_end.isoformat(),
            "period_settled": self.period2_end.isoformat(),
        }


@dataclass
class _Pending:
    """A segment to be removed later: what its reversal needs."""

    segment_id: int
    earning_id: int
    worklog_id: int
    units: int
    work_date: date
    effective_date: date | None = None


@dataclass
class State:
    """What the second load phase needs from the first (ids, running totals)."""

    rate_cents: list[int] = field(default_factory=list)  # by worklog id (index 0 unused)
    running_units: list[int] = field(default_factory=list)  # by worklog id
    next_segment_id: int = 1
    next_item_id: int = 1
    next_entry_id: int = 1
    clawbacks: dict[int, list[_Pending]] = field(default_factory=lambda: defaultdict(list))  # by worker


class Loader:
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
        return _round_cents(before + units) - _round_cents(before)

    def _ledger_rows(self, phase_cents: dict[int, int], worker_of: dict[int, int], when: datetime):
        entries, postings = [], []
        for worklog_id, cents in phase_cents.items():
            if cents == 0:
                continue
            entry_id = self.state.next_entry_id
            self.state.next_entry_id += 1
            party = worker_of[worklog_id]
            entries.append(_row(entry_id, _ts(when), "BENCH_LOAD", f"worklog:{worklog_id}", "", party))
            base = (party - 1) * len(ACCOUNT_KINDS)
            postings.append(_row(entry_id, base + 1, _money(cents), "USD"))  # EXPENSE, debit
            postings.append(_row(entry_id, base + 2, _money(-cents), "USD"))  # PAYABLE, credit
        self._copy("ledger_journalentry", "id, created_at, cause, reference, memo, party", entries)
        self._copy("ledger_posting", "entry_id, account_id, amount, currency", postings)

    # --- phase 0: workers, accounts, tasks, worklogs ----------------------------------------

    def load_parties(self) -> None:
        plan, state = self.plan, self.state
        now = _ts(datetime.now(UTC))
        state.rate_cents = [0] * (plan.worklogs + 1)
        state.running_units = [0] * (plan.worklogs + 1)
        self._session_for_load(True)
        try:
            self._copy(
                "worklogs_task",
                "id, title, created_at",
                [_row(t, f"Task {t}", now) for t in range(1, TASKS + 1)],
            )
            workers, accounts, worklogs = [], [], []
            for worker_id in range(1, plan.workers + 1):
                rng = self._rng(0, worker_id)
                workers.append(_row(worker_id, f"Worker {worker_id}", f"w{worker_id}@bench.test", "USD", now))
                for j, kind in enumerate(ACCOUNT_KINDS):
                    account_id = (worker_id - 1) * len(ACCOUNT_KINDS) + j + 1
                    code = f"worker:{worker_id}:{kind.lower()}:USD"
                    accounts.append(_row(account_id, code, kind, "USD", worker_id, f"{kind} worker {worker_id}"))
                for k, worklog_id in enumerate(self._worklog_ids(worker_id)):
                    rate = rng.randint(1500, 12000)
                    state.rate_cents[worklog_id] = rate
                    task_id = ((worker_id - 1) * WORKLOGS_PER_WORKER + k) % TASKS + 1
                    worklogs.append(_row(worklog_id, worker_id, task_id, _money(rate), "USD", now, 0, 0, 0, 0, 0))
            self._copy("worklogs_worker", "id, name, email, currency, created_at", workers)
            self._copy("ledger_account", "id, code, kind, currency, party, name", accounts)
            self._copy(
                "worklogs_worklog",
                "id, worker_id, task_id, hourly_rate, currency, created_at, exact_units, amount, remitted_amount, "
                "item_count, paid_item_count",
                worklogs,
            )
        finally:
            self._session_for_load(False)

    # --- segments ---------------------------------------------------------------------------

    def _segments_of_worker(self, rng, worker_id: int, period_end: date, count: int, worklog_ids):
        """(segment id, worklog id, started, seconds) laid out in non-overlapping slots of the month."""
        month_start, month_seconds = self._month_bounds(period_end)
        slot = month_seconds // count
        for i in range(count):
            started = month_start + timedelta(seconds=i * slot + rng.randint(0, slot // 10))
            seconds = rng.randint(min(600, slot // 2), min(4 * 3600, slot * 8 // 10))
            segment_id = self.state.next_segment_id
            self.state.next_segment_id += 1
            yield segment_id, rng.choice(worklog_ids), started, seconds

    @staticmethod
    def _segment_row(segment_id, worklog_id, worker_id, started, seconds, work_date, rate, status, created):
        ended = started + timedelta(seconds=seconds)
        return _row(
            segment_id, worklog_id, worker_id, _ts(started), _ts(ended), seconds, work_date,
            _money(rate), status, "", "", "", _ts(created), _ts(created),
        )  # fmt: skip

    SEGMENT_COLUMNS = (
        "id, worklog_id, worker_id, started_at, ended_at, seconds, work_date, hourly_rate, status, note, "
        "dispute_reason, status_reason, created_at, updated_at"
    )
    ITEM_COLUMNS = (
        "id, worklog_id, worker_id, kind, exact_units, amount, segment_id, adjustment_id, reverses_id, work_date, "
        "effective_date, created_at"
    )

    # --- phase 1: the month that gets settled and paid --------------------------------------

    def load_month1(self) -> None:
        self._session_for_load(True)
        try:
            with self._bulk_indexes(BULK_TABLES):
                self._load_month1_rows()
        finally:
            self._session_for_load(False)
        self._refresh_caches()

    def _load_month1_rows(self) -> None:
        plan, state = self.plan, self.state
        for batch in self._batches():
            segments, items = [], []
            phase_cents: dict[int, int] = defaultdict(int)
            worker_of = {}
            for worker_id in batch:
                rng = self._rng(1, worker_id)
                worklog_ids = list(self._worklog_ids(worker_id))
                for wl in worklog_ids:
                    worker_of[wl] = worker_id
                for segment_id, wl, started, seconds in self._segments_of_worker(
                    rng, worker_id, plan.period1_end, plan.month1_per_worker, worklog_ids
                ):
                    rate = state.rate_cents[wl]
                    work_date = self._work_date(started)
                    created = started + timedelta(seconds=seconds)
                    segments.append(
                        self._segment_row(
                            segment_id, wl, worker_id, started, seconds, work_date, rate, "ACTIVE", created
                        )
                    )
                    units = seconds * rate
                    cents = self._item_cents(wl, units)
                    phase_cents[wl] += cents
                    item_id = state.next_item_id
                    state.next_item_id += 1
                    items.append(
                        _row(item_id, wl, worker_id, "EARNING", units, _money(cents), segment_id, None, None,
                             work_date, None, _ts(created))
                    )  # fmt: skip
                    if rng.random() < REMOVED_SHARE:
                        state.clawbacks[worker_id].append(_Pending(segment_id, item_id, wl, units, work_date))
            self._copy("worklogs_segment", self.SEGMENT_COLUMNS, segments)
            self._copy("worklogs_item", self.ITEM_COLUMNS, items)
            month_end, _ = self._month_bounds(plan.period2_end)
            self._ledger_rows(phase_cents, worker_of, month_end)

    # --- phase 2: the month to settle, removals, disputes, adjustments ----------------------

    def load_month2(self) -> None:
        self._session_for_load(True)
        try:
            with self._bulk_indexes(BULK_TABLES):
                removed_month1 = self._load_month2_rows()
            with connection.cursor() as cursor:
                for start in range(0, len(removed_month1), 10_000):
                    cursor.execute(
                        "UPDATE worklogs_segment SET status = 'REMOVED', status_reason = 'bench clawback' "
                        "WHERE id = ANY(%s)",
                        [removed_month1[start : start + 10_000]],
                    )
        finally:
            self._session_for_load(False)
        self._refresh_caches()

    def _load_month2_rows(self) -> list[int]:
        plan, state = self.plan, self.state
        total_earnings = plan.workers * SEGMENTS_PER_WORKER
        # Items are created earnings first, then reversals, then adjustments; ids follow creation.
        earning_id = state.next_item_id
        reversal_id = earning_id + total_earnings
        adjustment_item_id = reversal_id + total_earnings + plan.workers * plan.month1_per_worker
        adjustment_id = 1
        created_base = datetime.combine(plan.period2_end + timedelta(days=1), time(1), tzinfo=UTC)
        removed_month1: list[int] = []
        for batch in self._batches():
            segments, earnings, reversals, adjustments, adjustment_items = [], [], [], [], []
            phase_cents: dict[int, int] = defaultdict(int)
            worker_of = {}
            for worker_id in batch:
                rng = self._rng(2, worker_id)
                all_ids = list(self._worklog_ids(worker_id))
                for wl in all_ids:
                    worker_of[wl] = worker_id
                active = [wl for wl in all_ids if rng.random() < ACTIVE_WORKLOG_SHARE] or all_ids[:1]
                removed: list[_Pending] = []
                for segment_id, wl, started, seconds in self._segments_of_worker(
                    rng, worker_id, plan.period2_end, SEGMENTS_PER_WORKER, active
                ):
                    rate = state.rate_cents[wl]
                    work_date = self._work_date(started)
                    created = started + timedelta(seconds=seconds)
                    draw = rng.random()
                    status = "REMOVED" if draw < REMOVED_SHARE else "DISPUTED" if draw < 2 * REMOVED_SHARE else "ACTIVE"
                    segments.append(
                        self._segment_row(segment_id, wl, worker_id, started, seconds, work_date, rate, status, created)
                    )
                    units = seconds * rate
                    cents = self._item_cents(wl, units)
                    phase_cents[wl] += cents
                    earnings.append(
                        _row(earning_id, wl, worker_id, "EARNING", units, _money(cents), segment_id, None, None,
                             work_date, None, _ts(created))
                    )  # fmt: skip
                    if status == "REMOVED":
                        effective = plan.period2_end + timedelta(days=7) if rng.random() < 0.1 else None
                        removed.append(_Pending(segment_id, earning_id, wl, units, work_date, effective))
                    earning_id += 1
                clawbacks = state.clawbacks.pop(worker_id, [])
                removed_month1 += [p.segment_id for p in clawbacks]
                for pending in clawbacks + removed:
                    cents = self._item_cents(pending.worklog_id, -pending.units)
                    phase_cents[pending.worklog_id] += cents
                    reversals.append(
                        _row(reversal_id, pending.worklog_id, worker_id, "REVERSAL", -pending.units, _money(cents),
                             pending.segment_id, None, pending.earning_id, pending.work_date,
                             pending.effective_date, _ts(created_base))
                    )  # fmt: skip
                    reversal_id += 1
                for _ in range(ADJUSTMENTS_PER_WORKER):
                    wl = rng.choice(all_ids)
                    amount = rng.choice((-1, 1)) * rng.randint(1, 8000)
                    effective = plan.period2_end + timedelta(days=10) if rng.random() < 0.2 else None
                    cents = self._item_cents(wl, amount * EXACT_UNITS_PER_CENT)
                    assert cents == amount  # an adjustment's cents are its face amount
                    phase_cents[wl] += cents
                    adjustments.append(
                        _row(adjustment_id, wl, _money(amount), "bench adjustment", effective, _ts(created_base))
                    )
                    adjustment_items.append(
                        _row(adjustment_item_id, wl, worker_id, "ADJUSTMENT", amount * EXACT_UNITS_PER_CENT,
                             _money(cents), None, adjustment_id, None, None, effective, _ts(created_base))
                    )  # fmt: skip
                    adjustment_id += 1
                    adjustment_item_id += 1
            self._copy("worklogs_segment", self.SEGMENT_COLUMNS, segments)
            self._copy("worklogs_adjustment", "id, worklog_id, amount, reason, effective_date, created_at", adjustments)
            self._copy("worklogs_item", self.ITEM_COLUMNS, earnings + reversals + adjustment_items)
            self._ledger_rows(phase_cents, worker_of, created_base)
        return removed_month1

    # --- caches, sequences, statistics ------------------------------------------------------

    def _refresh_caches(self) -> None:
        """Worklog running totals from the items (what item_add maintains one item at a time)."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE worklogs_worklog w
                SET exact_units = s.units, amount = s.amount, item_count = s.n
                FROM (SELECT worklog_id, SUM(exact_units) AS units, SUM(amount) AS amount, COUNT(*) AS n
                      FROM worklogs_item GROUP BY worklog_id) s
                WHERE w.id = s.worklog_id
                """
            )
            for table in (
                "worklogs_worker", "worklogs_task", "worklogs_worklog", "worklogs_segment", "worklogs_item",
                "worklogs_adjustment", "ledger_account", "ledger_journalentry",
            ):  # fmt: skip
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
        self.state.next_entry_id = _max_id("ledger_journalentry") + 1

    def mark_run_paid(self, run_id: int) -> int:
        """Every PENDING remittance of the run becomes PAID, as remittance_mark_paid does one by one:
        an event, the worklogs' remitted totals, and IN_TRANSIT -> CASH in the ledger."""
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO settlements_remittanceevent (remittance_id, from_status, to_status, reason, "
                "provider_reference, created_at) SELECT id, 'PENDING', 'PAID', '', 'bench', now() "
                "FROM settlements_remittance WHERE run_id = %s AND status = 'PENDING'",
                [run_id],
            )
            cursor.execute(
                "UPDATE settlements_remittance SET status = 'PAID', status_changed_at = now(), "
                "provider_reference = 'bench' WHERE run_id = %s AND status = 'PENDING'",
                [run_id],
            )
            paid = cursor.rowcount
            cursor.execute(
                """
                UPDATE worklogs_worklog w
                SET remitted_amount = w.remitted_amount + c.total, paid_item_count = w.paid_item_count + c.n
                FROM (SELECT c.worklog_id, SUM(c.amount) AS total, COUNT(*) AS n
                      FROM settlements_claim c JOIN settlements_remittance r ON r.id = c.remittance_id
                      WHERE r.run_id = %s GROUP BY c.worklog_id) c
                WHERE w.id = c.worklog_id
                """,
                [run_id],
            )
            cursor.execute(
                "INSERT INTO ledger_journalentry (created_at, cause, reference, memo, party) "
                "SELECT now(), 'REMITTANCE_PAID', 'remittance:' || id, '', worker_id "
                "FROM settlements_remittance WHERE run_id = %s",
                [run_id],
            )
            cursor.execute(
                """
                INSERT INTO ledger_posting (entry_id, account_id, amount, currency)
                SELECT e.id, a.id, CASE a.kind WHEN 'IN_TRANSIT' THEN r.amount ELSE -r.amount END, r.currency
                FROM settlements_remittance r
                JOIN ledger_journalentry e ON e.cause = 'REMITTANCE_PAID' AND e.reference = 'remittance:' || r.id
                JOIN ledger_account a ON a.party = r.worker_id AND a.currency = r.currency
                     AND a.kind IN ('IN_TRANSIT', 'CASH')
                WHERE r.run_id = %s
                """,
                [run_id],
            )
        self.state.next_entry_id = _max_id("ledger_journalentry") + 1
        return paid


def _max_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - fixed names
        return cursor.fetchone()[0]


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def table_counts() -> dict[str, int]:
    tables = (
        "worklogs_worker", "worklogs_worklog", "worklogs_segment", "worklogs_item", "worklogs_adjustment",
        "settlements_claim", "settlements_remittance", "ledger_journalentry", "ledger_posting",
    )  # fmt: skip
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed names
            counts[table] = cursor.fetchone()[0]
    return counts


def verify_dataset() -> list[str]:
    """Set-based checks of what the loader promises (the full audit is per row and slow at 2M items)."""
    checks = {
        "worklog totals = sum of items": """
            SELECT COUNT(*) FROM worklogs_worklog w LEFT JOIN (
                SELECT worklog_id, SUM(amount) a, SUM(exact_units) u, COUNT(*) n FROM worklogs_item GROUP BY 1
            ) s ON s.worklog_id = w.id
            WHERE w.amount <> COALESCE(s.a, 0) OR w.exact_units <> COALESCE(s.u, 0) OR w.item_count <> COALESCE(s.n, 0)
        """,
        "worklog amount = round(exact total)": """
            SELECT COUNT(*) FROM worklogs_worklog WHERE amount * 100 <> FLOOR((exact_units + 1800) / 3600.0)
        """,
        "remittance = sum of its claims": """
            SELECT COUNT(*) FROM settlements_remittance r LEFT JOIN (
                SELECT remittance_id, SUM(amount) a FROM settlements_claim GROUP BY 1
            ) c ON c.remittance_id = r.id WHERE r.amount <> COALESCE(c.a, 0)
        """,
        "ledger earned = worklog amounts per worker": """
            SELECT COUNT(*) FROM (
                SELECT worker_id, SUM(amount) a FROM worklogs_worklog GROUP BY 1
            ) w LEFT JOIN (
                SELECT a.party, SUM(p.amount) e FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id
                WHERE a.kind = 'EXPENSE' GROUP BY 1
            ) l ON l.party = w.worker_id WHERE w.a <> COALESCE(l.e, 0)
        """,
        "ledger balances": (
            "SELECT COUNT(*) FROM (SELECT entry_id FROM ledger_posting GROUP BY 1 HAVING SUM(amount) <> 0) x"
        ),
    }
    failures = []
    with connection.cursor() as cursor:
        for name, sql in checks.items():
            cursor.execute(sql)
            bad = cursor.fetchone()[0]
            if bad:
                failures.append(f"{name}: {bad} row(s) differ")
    return failures
