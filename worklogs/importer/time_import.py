"""Importing the rows of a CSV export (Toggl Track, Clockify, Harvest): one transaction per row.

A row's worker, task, worklog and segment are written together or not at all, through the same
services as the API (locks, audit with the importing actor, externalId idempotency). A row whose
segment was imported before (same externalId on its worklog) is skipped; with other times it is
rejected, as the API's 409 would.
"""

from collections import Counter
from decimal import Decimal

from django.db import transaction

from audit.services import Actor
from worklogs.importer.file_report import FileImportReport
from worklogs.importer.formats.rows import BadRow, ParsedRow, RowError, TimeRow
from worklogs.importer.layout import DayLayout
from worklogs.importer.matching import Matcher
from worklogs.importer.outcomes import ROW_ERRORS, reason_of, record_segment
from worklogs.models import Segment


class TimeRowImporter:
    def __init__(self, *, report: FileImportReport, actor: Actor, rate: Decimal | None):
        self.report = report
        self.actor = actor
        self.matcher = Matcher(actor=actor, rate=rate)
        self.layout = DayLayout(report.format)

    def run(self, rows: list[ParsedRow]) -> None:
        for row in rows:
            if isinstance(row, BadRow):
                self.report.reject(line=row.line, kind="segment", source_id=row.source_id, reason=row.reason)
            else:
                self.row(row)

    def row(self, row: TimeRow) -> None:
        counts: Counter[str] = Counter()
        try:
            with transaction.atomic():
                placed = self._write(row, counts)
        except (RowError, *ROW_ERRORS) as exc:
            self.report.reject(line=row.line, kind="segment", source_id=row.source_id, reason=reason_of(exc))
            return
        if placed is None:
            self.report.skipped["segment"] += 1
            return
        self.report.add(counts)
        if row.day is not None:
            self.layout.placed(worker_id=placed[0], day=row.day, end=placed[1])

    def _write(self, row: TimeRow, counts: Counter[str]):
        worker = self.matcher.worker(row, counts)
        task = self.matcher.task(row, counts)
        worklog = self.matcher.worklog(row, worker, task, counts)
        if row.started_at is not None and row.ended_at is not None:
            started_at, ended_at = row.started_at, row.ended_at
        else:
            if Segment.objects.filter(worklog=worklog, external_id=row.source_id).exists():
                return None
            assert row.day is not None and row.seconds is not None
            started_at, ended_at = self.layout.place(worker_id=worker.pk, day=row.day, seconds=row.seconds)
        _, created = record_segment(
            worklog=worklog,
            started_at=started_at,
            ended_at=ended_at,
            source_id=row.source_id,
            note=row.note,
            actor=self.actor,
        )
        if not created:
            return None
        counts["segment"] += 1
        return worker.pk, ended_at
