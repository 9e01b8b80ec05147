"""Import a time-tracker export: workers, tasks, worklogs, segments and adjustments.

The input is a JSON array of worklogs (issue 6 / README "Import"). Every record goes through the same
services as the API, in file order, each in its own transaction (a savepoint inside a dry run), so
a record that breaks a rule writes nothing and is reported with its source id and the reason, while
everything valid is imported.

Idempotency: the source's ids are kept in `external_id` columns (`user_id` on the worker,
`worklog_id` on the worklog, `segment_id` on the segment (unique per worklog), `adjustment_id` on
the adjustment, `task_name` on the task), so importing the same file again, or a later export that
overlaps it, changes nothing already imported and adds only what is new:
- a segment already imported with the same times is `unchanged`, whatever its status in the new
  file: the first import's result is kept (a later dispute or removal is made in the API, where
  it gets its own reason and effective date); with other times it is skipped (the API's 409);
- an adjustment already imported with the same worklog, amount and date is `unchanged`, with other
  fields it is skipped;
- an existing worklog keeps its worker and task; when the file brings new segments for it at
  another `hourly_rate`, the rate is changed first (as `PATCH /api/worklogs/{id}/` would), so the
  new segments are paid at the source's rate and no existing amount changes (rates are snapshots).

Numbers are read exactly: `records_from_json` parses JSON numbers as `Decimal`/`int`; a float
reaching `worklogs_import` is refused as malformed, since its digits are already lost.
"""

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from audit.services import Actor
from core.errors import InvalidInput
from worklogs.importer.file_report import FileImportReport, RejectedRow
from worklogs.importer.formats import FORMATS, decode, detect, read_csv
from worklogs.importer.formats.v2 import read_v2
from worklogs.importer.reading import KINDS, RecordError, records_from_json
from worklogs.importer.records import Importer
from worklogs.importer.report import ImportReport, SkippedRecord
from worklogs.importer.time_import import TimeRowImporter
from worklogs.importer.v2_import import V2Importer

__all__ = [
    "FORMATS",
    "KINDS",
    "FileImportReport",
    "ImportReport",
    "RecordError",
    "RejectedRow",
    "SkippedRecord",
    "import_file",
    "records_from_json",
    "worklogs_import",
]


def worklogs_import(*, records: list, dry_run: bool = False, actor: Actor = None) -> ImportReport:
    """Import an export's records; returns what was created, unchanged and skipped.

    Every change is recorded in the audit trail as `actor`'s (the importing user; None for a command).

    Each record commits on its own. With `dry_run`, everything runs in one transaction rolled back
    at the end, so the report is exactly what a real import would say and nothing is written.
    """
    if not isinstance(records, list):
        raise InvalidInput("The export must be a JSON array of worklogs.")
    report = ImportReport(dry_run=dry_run)
    if not dry_run:
        Importer(report, actor).run(records)
        return report
    with transaction.atomic():
        Importer(report, actor).run(records)
        transaction.set_rollback(True)
    return report


def import_file(
    *, raw: bytes, file_format: str = "auto", dry_run: bool = False, rate: Decimal | None = None, actor: Actor = None
) -> ImportReport | FileImportReport:
    """Import a file in any of `FORMATS` (`auto`: recognised by `formats.detect`).

    The tracker export answers its own report (`ImportReport`, unchanged); the other formats a
    `FileImportReport`. InvalidInput when the file as a whole cannot be read (nothing written).
    `rate` is the hourly rate of worklogs created where the file gives none.
    """
    if file_format != "auto" and file_format not in FORMATS:
        raise InvalidInput(f"Unknown format {file_format!r}: give auto, {', '.join(FORMATS)}.", field="format")
    text = decode(raw)
    name = detect(text) if file_format == "auto" else file_format
    if name == "tracker":
        return worklogs_import(records=records_from_json(text), dry_run=dry_run, actor=actor)
    report = FileImportReport(format=name, dry_run=dry_run)
    work: Callable[[], None]
    if name == "v2":
        doc = read_v2(text)
        work = lambda: V2Importer(report=report, actor=actor, rate=rate).run(doc)  # noqa: E731
    else:
        rows = read_csv(name, text)
        work = lambda: TimeRowImporter(report=report, actor=actor, rate=rate).run(rows)  # noqa: E731
    if not dry_run:
        work()
        return report
    with transaction.atomic():
        work()
        transaction.set_rollback(True)
    return report
