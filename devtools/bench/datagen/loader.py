"""The load phases: workers and their worklogs, the paid month, the month to settle."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection

from devtools.bench.datagen.checks import max_id
from devtools.bench.datagen.copying import CopyLoader
from devtools.bench.datagen.plan import (
    ACCOUNT_KINDS,
    ACTIVE_WORKLOG_SHARE,
    ADJUSTMENTS_PER_WORKER,
    BULK_TABLES,
    EXACT_UNITS_PER_CENT,
    REMOVED_SHARE,
    SEGMENTS_PER_WORKER,
    TASKS,
    WORKLOGS_PER_WORKER,
    PendingRemoval,
    copy_row,
    copy_ts,
    money_text,
)


class Loader(CopyLoader):
    def load_parties(self) -> None:
        plan, state = self.plan, self.state
        now = copy_ts(datetime.now(UTC))
        state.rate_cents = [0] * (plan.worklogs + 1)
        state.running_units = [0] * (plan.worklogs + 1)
        self._session_for_load(True)
        try:
            self._copy(
                "worklogs_task",
                "id, title, created_at",
                [copy_row(t, f"Task {t}", now) for t in range(1, TASKS + 1)],
            )
            workers, accounts, worklogs = [], [], []
            for worker_id in range(1, plan.workers + 1):
                rng = self._rng(0, worker_id)
                workers.append(copy_row(worker_id, f"Worker {worker_id}", f"w{worker_id}@bench.test", "USD", now))
                for j, kind in enumerate(ACCOUNT_KINDS):
                    account_id = (worker_id - 1) * len(ACCOUNT_KINDS) + j + 1
                    code = f"worker:{worker_id}:{kind.lower()}:USD"
                    accounts.append(copy_row(account_id, code, kind, "USD", worker_id, f"{kind} worker {worker_id}"))
                for k, worklog_id in enumerate(self._worklog_ids(worker_id)):
                    rate = rng.randint(1500, 12000)
                    state.rate_cents[worklog_id] = rate
                    task_id = ((worker_id - 1) * WORKLOGS_PER_WORKER + k) % TASKS + 1
                    worklogs.append(
                        copy_row(worklog_id, worker_id, task_id, money_text(rate), "USD", now, 0, 0, 0, 0, 0)
                    )
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
        return copy_row(
            segment_id, worklog_id, worker_id, copy_ts(started), copy_ts(ended), seconds, work_date,
            money_text(rate), status, "", "", "", copy_ts(created), copy_ts(created),
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
                        copy_row(item_id, wl, worker_id, "EARNING", units, money_text(cents), segment_id, None, None,
                             work_date, None, copy_ts(created))
                    )  # fmt: skip
                    if rng.random() < REMOVED_SHARE:
                        state.clawbacks[worker_id].append(PendingRemoval(segment_id, item_id, wl, units, work_date))
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
                removed: list[PendingRemoval] = []
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
                        copy_row(earning_id, wl, worker_id, "EARNING", units, money_text(cents), segment_id, None, None,
                             work_date, None, copy_ts(created))
                    )  # fmt: skip
                    if status == "REMOVED":
                        effective = plan.period2_end + timedelta(days=7) if rng.random() < 0.1 else None
                        removed.append(PendingRemoval(segment_id, earning_id, wl, units, work_date, effective))
                    earning_id += 1
                clawbacks = state.clawbacks.pop(worker_id, [])
                removed_month1 += [p.segment_id for p in clawbacks]
                for pending in clawbacks + removed:
                    cents = self._item_cents(pending.worklog_id, -pending.units)
                    phase_cents[pending.worklog_id] += cents
                    reversals.append(
                        copy_row(reversal_id, pending.worklog_id, worker_id, "REVERSAL", -pending.units,
                                 money_text(cents), pending.segment_id, None, pending.earning_id, pending.work_date,
                             pending.effective_date, copy_ts(created_base))
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
                        copy_row(
                            adjustment_id, wl, money_text(amount), "bench adjustment", effective, copy_ts(created_base)
                        )
                    )
                    adjustment_items.append(
                        copy_row(adjustment_item_id, wl, worker_id, "ADJUSTMENT", amount * EXACT_UNITS_PER_CENT,
                             money_text(cents), None, adjustment_id, None, None, effective, copy_ts(created_base))
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
        self.state.next_entry_id = max_id("ledger_journalentry") + 1

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
        self.state.next_entry_id = max_id("ledger_journalentry") + 1
        return paid
