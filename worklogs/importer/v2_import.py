"""Importing a v2 seed: users, tasks, worklogs, then time entries laid end to end, then adjustments.

Each row is one transaction: a rejected row writes nothing and is reported with its line. Rows
refer to each other by `external_id`; a reference to a row rejected in this file, or to an id
neither in the file nor imported before, rejects the referring row.

`status` of a time entry (README "Importing time"): `approved` (or none) is paid; `pending`,
`submitted` and `disputed` are recorded and held as DISPUTED until finance resolves them;
`rejected` and `cancelled` are recorded and removed (kept as history, no money). Anything else
is rejected.
"""

from collections import Counter
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.dateparse import parse_date

from audit.services import Actor
from core.instants import DATE_RANGE_MESSAGE, date_in_range
from worklogs import services
from worklogs.importer.file_report import FileImportReport
from worklogs.importer.formats.csvfiles import content_id, parse_hours
from worklogs.importer.formats.rows import RowError
from worklogs.importer.formats.v2 import V2File
from worklogs.importer.layout import DayLayout
from worklogs.importer.outcomes import ROW_ERRORS, reason_of, record_segment
from worklogs.importer.reading import RecordError, peek_id, read_source_id, read_text
from worklogs.models import Segment, Task, Worker, WorkLog

HELD = ("pending", "submitted", "disputed")
REMOVED = ("rejected", "cancelled")
STATUSES = ("approved", *HELD, *REMOVED)
MAX_ADJUSTMENT_CENTS = 100_000_000


def _dict(item: object, what: str) -> dict:
    if not isinstance(item, dict):
        raise RowError(f"A {what} must be a JSON object.")
    return item


def _date(value: object, name: str, *, required: bool = True):
    if value is None and not required:
        return None
    try:
        day = parse_date(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None:
        raise RowError(f"{name} must be a date (YYYY-MM-DD), got {value!r}.")
    if not date_in_range(day):
        raise RowError(f"{name}: {DATE_RANGE_MESSAGE} Got {value!r}.")
    return day


def _integer(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value != int(value):
        raise RowError(f"{name} must be a whole number of cents, got {value!r}.")
    return int(value)


def _cents(value: object, name: str) -> Decimal:
    return (Decimal(_integer(value, name)) / 100).quantize(Decimal("0.01"))


class V2Importer:
    def __init__(self, *, report: FileImportReport, actor: Actor, rate: Decimal | None):
        self.report, self.actor, self.rate = report, actor, rate
        self.layout = DayLayout("v2")
        self.rates: dict[str, Decimal] = {}  # a user's rate, from this file
        self.rejected: dict[tuple[str, str], int | None] = {}  # (kind, external id) -> its line
        self.seen: Counter[tuple[str, ...]] = Counter()  # identical entries and adjustments, numbered

    def run(self, doc: V2File) -> None:
        for kind, section, write in (
            ("worker", "users", self._user),
            ("task", "tasks", self._task),
            ("worklog", "worklogs", self._worklog),
            ("segment", "time_entries", self._entry),
            ("adjustment", "adjustments", self._adjustment),
        ):
            for line, item in doc.rows(section):
                self._row(kind, line, item, write)

    def _row(self, kind: str, line: int | None, item: object, write) -> None:
        counts: Counter[str] = Counter()
        ident = {"worker": "external_id", "task": "external_id", "worklog": "external_id"}.get(kind)
        source_id = peek_id(item, ident) if ident else None
        try:
            with transaction.atomic():
                source_id, placed = write(_dict(item, kind), counts)
        except (RowError, RecordError, *ROW_ERRORS) as exc:
            if ident and source_id is not None:
                self.rejected[(kind, source_id)] = line
            self.report.reject(line=line, kind=kind, source_id=source_id, reason=reason_of(exc))
            return
        if not counts:
            self.report.skipped[kind] += 1
        self.report.add(counts)
        if placed is not None:
            self.layout.placed(worker_id=placed[0], day=placed[1], end=placed[2])

    def _ref(self, kind: str, model, value: object, name: str):
        ext = read_source_id(value, name=name, max_length=200)
        found = model.objects.filter(external_id=ext).first()
        if found is None:
            if (kind, ext) in self.rejected:
                raise RowError(f"{name} {ext} was rejected (line {self.rejected[(kind, ext)]}).")
            raise RowError(f"{name} {ext} is unknown: not in this file, not imported before.")
        return found

    # Users, tasks, worklogs -------------------------------------------------------------------

    def _user(self, item: dict, counts: Counter[str]):
        ext = read_source_id(item.get("external_id"), name="external_id", max_length=100)
        name = read_text(item.get("display_name"), name="display_name", max_length=200)
        email = item.get("email") or ""
        if not isinstance(email, str) or len(email) > 254 or (email.strip() and "@" not in email):
            raise RowError(f"email {email!r} is not an e-mail address.")
        cents = item.get("hourly_rate_cents")
        if cents is not None:
            rate = _cents(cents, "hourly_rate_cents")
        elif self.rate is not None:
            rate = self.rate
        else:
            raise RowError("hourly_rate_cents is missing and no --rate (?rate=) was given.")
        if not Decimal("0") < rate <= Decimal("10000"):
            raise RowError(f"hourly_rate_cents must be more than 0 and at most 1000000, got {cents!r}.")
        worker = Worker.objects.filter(external_id=ext).first()
        if worker is None:
            counts["worker"] += 1
            worker = services.worker_create(name=name, email=email.strip(), external_id=ext, actor=self.actor)
        self.rates[ext] = rate
        return ext, None

    def _task(self, item: dict, counts: Counter[str]):
        ext = read_source_id(item.get("external_id"), name="external_id", max_length=200)
        title = read_text(item.get("title"), name="title", max_length=300)
        if not Task.objects.filter(external_id=ext).exists():
            counts["task"] += 1
            services.task_create(title=title, external_id=ext)
        return ext, None

    def _worklog(self, item: dict, counts: Counter[str]):
        ext = read_source_id(item.get("external_id"), name="external_id", max_length=100)
        worker = self._ref("worker", Worker, item.get("user_external_id"), "user_external_id")
        task = self._ref("task", Task, item.get("task_external_id"), "task_external_id")
        worklog = WorkLog.objects.filter(external_id=ext).first()
        if worklog is not None:
            if (worklog.worker_id, worklog.task_id) != (worker.pk, task.pk):
                raise RowError(f"worklog {ext} was imported for another user or task.")
            return ext, None
        if WorkLog.objects.filter(worker=worker, task=task).exists():
            raise RowError(f"user {worker.external_id} already has a worklog on task {task.external_id}.")
        rate = self.rates.get(worker.external_id or "", self.rate)
        if rate is None:
            raise RowError(f"No rate for user {worker.external_id}: not in this file's users; give --rate.")
        counts["worklog"] += 1
        services.worklog_create(worker=worker, task=task, hourly_rate=rate, external_id=ext, actor=self.actor)
        return ext, None

    # Time entries and adjustments ---------------------------------------------------------------

    def _entry(self, item: dict, counts: Counter[str]):
        worklog = self._ref("worklog", WorkLog, item.get("worklog_external_id"), "worklog_external_id")
        day = _date(item.get("occurred_on"), "occurred_on")
        hours = item.get("hours")
        if isinstance(hours, bool) or not isinstance(hours, int | Decimal | str):
            raise RowError(f"hours must be a decimal number, got {hours!r}.")
        seconds = parse_hours(hours, "hours")
        memo = item.get("memo") or ""
        if memo:
            memo = read_text(memo, name="memo", max_length=10_000)
        status = item.get("status") or "approved"
        if status not in STATUSES:
            raise RowError(f"Unknown status {status!r} (expected {', '.join(STATUSES)}).")
        fields = ("v2", worklog.external_id or str(worklog.pk), day.isoformat(), str(seconds), memo)
        self.seen[fields] += 1
        source_id = content_id("v2", *fields[1:], str(self.seen[fields]))
        if Segment.objects.filter(worklog=worklog, external_id=source_id).exists():
            return source_id, None
        started_at, ended_at = self.layout.place(worker_id=worklog.worker_id, day=day, seconds=seconds)
        segment, _ = record_segment(
            worklog=worklog, started_at=started_at, ended_at=ended_at, source_id=source_id, note=memo, actor=self.actor
        )
        if status in HELD:
            reason = memo or f"Held: status {status!r} in the v2 seed."
            services.segment_dispute(segment=segment, reason=reason, actor=self.actor)
        elif status in REMOVED:
            services.segment_remove(segment=segment, reason=f"Status {status!r} in the v2 seed.", actor=self.actor)
        counts["segment"] += 1
        return source_id, (worklog.worker_id, day, ended_at)

    def _adjustment(self, item: dict, counts: Counter[str]):
        worker = self._ref("worker", Worker, item.get("user_external_id"), "user_external_id")
        wl_ext = item.get("worklog_external_id")
        if wl_ext is not None:
            worklog = self._ref("worklog", WorkLog, wl_ext, "worklog_external_id")
            if worklog.worker_id != worker.pk:
                raise RowError(f"worklog {worklog.external_id} is not user {worker.external_id}'s.")
        else:
            worklog = WorkLog.objects.filter(worker=worker).order_by("pk").first()
            if worklog is None:
                raise RowError(f"user {worker.external_id} has no worklog to carry an adjustment.")
        cents = _integer(item.get("amount_cents"), "amount_cents")
        if cents == 0 or abs(cents) > MAX_ADJUSTMENT_CENTS:
            raise RowError("amount_cents must be non-zero and at most 100000000 either way.")
        reason = read_text(item.get("reason"), name="reason", max_length=9_900)
        start = _date(item.get("relates_to_period_start"), "relates_to_period_start", required=False)
        end = _date(item.get("relates_to_period_end"), "relates_to_period_end", required=False)
        if start and end and end < start:
            raise RowError("relates_to_period_end is before relates_to_period_start.")
        if start or end:
            # The period is information (what it relates to), never an effective date: due in the next run.
            reason = f"{reason} (relates to {start or '…'} to {end or '…'})"
        fields = (worker.external_id or "", worklog.external_id or str(worklog.pk), str(cents), reason)
        self.seen[fields] += 1
        source_id = content_id("v2adj", *fields, str(self.seen[fields]))
        _, created = services.adjustment_record_once(
            worklog=worklog,
            amount=Decimal(cents) / 100,
            reason=reason,
            created_by=self.actor if isinstance(self.actor, User) else None,
            external_id=source_id,
        )
        if created:
            counts["adjustment"] += 1
        return source_id, None
