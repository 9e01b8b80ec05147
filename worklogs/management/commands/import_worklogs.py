"""`manage.py import_worklogs FILE [--format ...] [--dry-run] [--rate 45.00]`: import a file (see worklogs.importer)."""

from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import InvalidInput
from core.money import parse_money
from worklogs.importer import FORMATS, KINDS, FileImportReport, ImportReport, import_file


def _counts(counter: dict) -> str:
    return ", ".join(f"{counter[kind]} {kind}{'s' if counter[kind] != 1 else ''}" for kind in KINDS)


def _rate(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        rate = parse_money(value, field="--rate")
    except ValueError as exc:
        raise CommandError(str(exc), returncode=2) from None
    if rate <= 0:
        raise CommandError("--rate must be more than 0.", returncode=2)
    return rate


class Command(BaseCommand):
    help = (
        "Import time: a tracker export (JSON array), a v2 seed (JSON object), or a Toggl Track, Clockify or "
        "Harvest detailed CSV. Re-importing adds nothing already imported. Prints what was created, "
        "skipped and rejected; exits 1 when anything was rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to import.")
        parser.add_argument(
            "--format", choices=("auto", *FORMATS), default="auto", help="The file's format (default: recognised)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate and report without writing anything.")
        parser.add_argument(
            "--rate", help="Hourly rate (e.g. 45.00) of the worklogs created where the file gives no rate."
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        rate = _rate(options["rate"])
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}", returncode=2) from None
        try:
            report = import_file(raw=raw, file_format=options["format"], dry_run=options["dry_run"], rate=rate)
        except InvalidInput as exc:
            raise CommandError(f"{path}: {exc.message}", returncode=2) from None
        prefix = "Dry run (nothing written): " if options["dry_run"] else ""
        if isinstance(report, ImportReport):
            self._tracker(report, prefix)
        else:
            self._file(report, prefix)

    def _tracker(self, report: ImportReport, prefix: str) -> None:
        summary = report.as_dict()
        self.stdout.write(f"{prefix}created: {_counts(summary['created'])}")
        self.stdout.write(f"{prefix}unchanged: {_counts(summary['unchanged'])}")
        skipped = {kind: sum(1 for s in report.skipped if s.kind == kind) for kind in KINDS}
        self.stdout.write(f"{prefix}skipped: {_counts(skipped)}")
        for record in report.skipped:
            self.stdout.write(f"  skipped {record.kind} {record.id}: {record.reason}")
        if report.skipped:
            raise CommandError(f"{len(report.skipped)} record(s) skipped.", returncode=1)

    def _file(self, report: FileImportReport, prefix: str) -> None:
        self.stdout.write(f"{prefix}format: {report.format}")
        self.stdout.write(f"{prefix}created: {_counts(report.created)}")
        self.stdout.write(f"{prefix}skipped (already imported): {_counts(report.skipped)}")
        self.stdout.write(f"{prefix}rejected: {_counts(report.rejected)}")
        for row in report.rejected_rows:
            self.stdout.write(f"  line {row.line} {row.kind}{f' {row.id}' if row.id else ''}: {row.reason}")
        if report.rejected_rows:
            raise CommandError(f"{len(report.rejected_rows)} row(s) rejected.", returncode=1)
