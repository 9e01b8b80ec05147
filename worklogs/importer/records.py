"""Importing records through the services, one transaction each, in file order."""

from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import DatabaseError, transaction

from audit.services import Actor
from core.errors import Conflict, DomainError
from worklogs import services
from worklogs.importer.reading import (
    CANCEL_REASON,
    DEFAULT_DISPUTE_REASON,
    SEGMENT_STATUSES,
    RecordError,
    peek_id,
    read_children,
    read_effective_date,
    read_money,
    read_source_id,
    read_text,
    read_timestamp,
)
from worklogs.importer.report import ImportReport
from worklogs.models import LIVE_SEGMENT_STATUSES, Adjustment, Segment, Task, Worker, WorkLog

# --- Importing ------------------------------------------------------------------------------


class Importer:
    def __init__(self, report: ImportReport, actor: Actor = None):
        self.report = report
        self.actor = actor  # who imports: recorded on every change (None: the system, a command)
        self.seen_workers: set[int] = set()
        self.seen_tasks: set[int] = set()
        # Counts of the worklog record in progress: applied only once its transaction succeeded,
        # since a rolled-back worker or task was never created (and SQLite may reuse its id).
        self.pending: list[tuple[str, int, bool, set[int] | None]] = []

    def _count(self, kind: str, obj, created: bool, seen: set[int] | None = None) -> None:
        self.pending.append((kind, obj.pk, created, seen))

    def _apply_counts(self) -> None:
        for kind, pk, created, seen in self.pending:
            if seen is not None:
                # A worker or task named by many records is counted once per import.
                if pk in seen:
                    continue
                seen.add(pk)
            (self.report.created if created else self.report.unchanged)[kind] += 1
        self.pending = []

    def run(self, records: list) -> None:
        for record in records:
            self.worklog_record(record)

    # Worklog (with its worker and task) ---------------------------------------------------

    def worklog_record(self, record) -> None:
        source_id = peek_id(record, "worklog_id")
        self.pending = []
        try:
            if not isinstance(record, dict):
                raise RecordError("A worklog record must be a JSON object.")
            segments = read_children(record, "segments")
            adjustments = read_children(record, "adjustments")
            with transaction.atomic():
                worklog, rate = self._worklog(record)
        except (RecordError, DomainError, DatabaseError) as exc:
            self.report.skip("worklog", source_id, _reason(exc))
            self._skip_children(record, source_id)
            return
        self._apply_counts()
        for segment in segments:
            self.segment_record(worklog, segment, rate)
        for adjustment in adjustments:
            self.adjustment_record(worklog, adjustment)

    def _worklog(self, record: dict) -> tuple[WorkLog, Decimal]:
        worklog_id = read_source_id(record.get("worklog_id"), name="worklog_id", max_length=100)
        user_id = read_source_id(record.get("user_id"), name="user_id", max_length=100)
        rate = read_money(record.get("hourly_rate"), name="hourly_rate")
        currency = record.get("currency")
        if currency is not None and not isinstance(currency, str):
            raise RecordError(f"currency must be an ISO-4217 code, got {currency!r}.")
        worklog = WorkLog.objects.select_related("worker", "task").filter(external_id=worklog_id).first()
        if worklog is not None:
            if worklog.worker.external_id != user_id:
                raise RecordError(
                    f"worklog_id {worklog_id} was imported for user_id {worklog.worker.external_id}, not {user_id}."
                )
            self._check_currency(worklog.worker, currency)
            self._count("worker", worklog.worker, False, self.seen_workers)
            self._count("task", worklog.task, False, self.seen_tasks)
            self._count("worklog", worklog, False)
            return worklog, rate
        worker = self._worker(record, user_id, currency)
        task = self._task(record)
        worklog = services.worklog_create(
            worker=worker, task=task, hourly_rate=rate, external_id=worklog_id, actor=self.actor
        )
        self._count("worklog", worklog, True)
        return worklog, rate

    @staticmethod
    def _check_currency(worker: Worker, currency: str | None) -> None:
        if currency is not None and currency.upper() != worker.currency:
            raise RecordError(
                f"user_id {worker.external_id} is paid in {worker.currency}, the record says {currency!r}."
            )

    def _worker(self, record: dict, user_id: str, currency: str | None) -> Worker:
        worker = Worker.objects.filter(external_id=user_id).first()
        if worker is not None:
            self._check_currency(worker, currency)
            self._count("worker", worker, False, self.seen_workers)
            return worker
        name = read_text(record.get("user_name"), name="user_name", max_length=200)
        # The export carries no email: imported workers have none until finance adds one.
        worker = services.worker_create(name=name, currency=currency or "USD", external_id=user_id, actor=self.actor)
        self._count("worker", worker, True, self.seen_workers)
        return worker

    def _task(self, record: dict) -> Task:
        task_name = read_text(record.get("task_name"), name="task_name", max_length=200)
        task = Task.objects.filter(external_id=task_name).first()
        created = task is None
        if task is None:
            task = services.task_create(title=task_name, external_id=task_name)
        self._count("task", task, created, self.seen_tasks)
        return task

    def _skip_children(self, record, worklog_source_id) -> None:
        """Children of a skipped worklog are reported too: every source id not imported is listed."""
        if not isinstance(record, dict):
            return
        reason = f"its worklog {worklog_source_id} was skipped."
        for kind, key, id_name in (
            ("segment", "segments", "segment_id"),
            ("adjustment", "adjustments", "adjustment_id"),
        ):
            children = record.get(key)
            for child in children if isinstance(children, list) else []:
                self.report.skip(kind, peek_id(child, id_name), reason)

    # Segments ---------------------------------------------------------------------------------

    def segment_record(self, worklog: WorkLog, record, rate: Decimal) -> None:
        source_id = peek_id(record, "segment_id")
        try:
            with transaction.atomic():
                created = self._segment(worklog, record, rate)
        except (RecordError, DomainError, DatabaseError) as exc:
            self.report.skip("segment", source_id, _reason(exc))
            return
        (self.report.created if created else self.report.unchanged)["segment"] += 1

    def _segment(self, worklog: WorkLog, record, rate: Decimal) -> bool:
        if not isinstance(record, dict):
            raise RecordError("A segment must be a JSON object.")
        segment_id = read_source_id(record.get("segment_id"), name="segment_id", max_length=200)
        status = record.get("status")
        if status not in SEGMENT_STATUSES:
            raise RecordError(f"Unknown status {status!r} (expected approved, disputed or cancelled).")
        started_at = read_timestamp(record.get("start"), name="start")
        ended_at = read_timestamp(record.get("end"), name="end")
        reason = DEFAULT_DISPUTE_REASON
        if status == "disputed" and record.get("dispute_reason") is not None:
            reason = read_text(record.get("dispute_reason"), name="dispute_reason", max_length=10_000)
        is_new = not Segment.objects.filter(worklog=worklog, external_id=segment_id).exists()
        if is_new:
            worklog = WorkLog.objects.get(pk=worklog.pk)
            if worklog.hourly_rate != rate:
                services.worklog_rate_change(worklog=worklog, hourly_rate=rate, actor=self.actor)
        try:
            segment, created = services.segment_record(
                worklog=worklog, started_at=started_at, ended_at=ended_at, external_id=segment_id, actor=self.actor
            )
        except Conflict as exc:
            if exc.code == "segment_overlap":
                raise RecordError(_overlap_reason(worklog, started_at, ended_at)) from None
            raise
        if not created:
            return False
        if status == "disputed":
            services.segment_dispute(segment=segment, reason=reason, actor=self.actor)
        elif status == "cancelled":
            services.segment_remove(segment=segment, reason=CANCEL_REASON, actor=self.actor)
        return True

    # Adjustments ------------------------------------------------------------------------------

    def adjustment_record(self, worklog: WorkLog, record) -> None:
        source_id = peek_id(record, "adjustment_id")
        try:
            with transaction.atomic():
                created = self._adjustment(worklog, record)
        except (RecordError, DomainError, DatabaseError) as exc:
            self.report.skip("adjustment", source_id, _reason(exc))
            return
        (self.report.created if created else self.report.unchanged)["adjustment"] += 1

    def _adjustment(self, worklog: WorkLog, record) -> bool:
        if not isinstance(record, dict):
            raise RecordError("An adjustment must be a JSON object.")
        adjustment_id = read_source_id(record.get("adjustment_id"), name="adjustment_id", max_length=200)
        amount = read_money(record.get("amount"), name="amount")
        effective_date = read_effective_date(record.get("applied_at"))
        existing = Adjustment.objects.filter(external_id=adjustment_id).first()
        if existing is not None:
            same = (
                existing.worklog_id == worklog.pk
                and existing.amount == amount
                and existing.effective_date == effective_date
            )
            if same:
                return False
            raise RecordError(f"adjustment_id {adjustment_id} was already imported with other fields.")
        reason = record.get("reason")
        if isinstance(reason, str):
            reason = read_text(reason, name="reason", max_length=10_000) if reason.strip() else reason
        services.adjustment_record(
            worklog=worklog,
            amount=amount,
            reason="" if reason is None else reason,  # both refused by the service as a missing reason
            effective_date=effective_date,
            external_id=adjustment_id,
            created_by=self.actor if isinstance(self.actor, User) else None,
        )
        return True


def _overlap_reason(worklog: WorkLog, started_at: datetime, ended_at: datetime) -> str:
    """Name the blocking segment by its source ids, which a reader of the export can find."""
    other = (
        Segment.objects.filter(
            worker_id=worklog.worker_id,
            status__in=LIVE_SEGMENT_STATUSES,
            started_at__lt=ended_at,
            ended_at__gt=started_at,
        )
        .select_related("worklog")
        .order_by("pk")
        .first()
    )
    if other is None:  # pragma: no cover - the service just saw it, under the worker's lock
        return "This segment overlaps another segment of the same worker."
    name = f"segment {other.external_id} of worklog {other.worklog.external_id or other.worklog_id}"
    if not other.external_id:
        name = f"segment #{other.pk} of worklog {other.worklog.external_id or other.worklog_id}"
    return (
        f"This segment overlaps {name} ({other.started_at.isoformat()} to {other.ended_at.isoformat()}), "
        "an ACTIVE or DISPUTED segment of the same worker."
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, DatabaseError):
        # A constraint the checks above did not foresee (for example a concurrent import).
        return f"Rejected by the database: {exc}".splitlines()[0]
    return str(exc)
