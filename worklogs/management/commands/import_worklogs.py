"""`manage.py import_worklogs FILE [--dry-run]`: import a time-tracker export (see worklogs.importer)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import InvalidInput
from worklogs.importer import KINDS, records_from_json, worklogs_import


def _counts(counter: dict) -> str:
    return ", ".join(f"{counter[kind]} {kind}{'s' if counter[kind] != 1 else ''}" for kind in KINDS)


class Command(BaseCommand):
    help = (
        "Import a time-tracker export (a JSON array of worklogs). Re-importing changes nothing already "
        "imported. Prints what was created, unchanged and skipped; exits 1 when anything was skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The export: a JSON array of worklogs.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report without writing anything.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}", returncode=2) from None
        try:
            records = records_from_json(raw)
        except InvalidInput as exc:
            raise CommandError(f"{path}: {exc.message}", returncode=2) from None

        report = worklogs_import(records=records, dry_run=options["dry_run"])
        summary = report.as_dict()
        prefix = "Dry run (nothing written): " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}created: {_counts(summary['created'])}")
        self.stdout.write(f"{prefix}unchanged: {_counts(summary['unchanged'])}")
        skipped = {kind: sum(1 for s in report.skipped if s.kind == kind) for kind in KINDS}
        self.stdout.write(f"{prefix}skipped: {_counts(skipped)}")
        for record in report.skipped:
            self.stdout.write(f"  skipped {record.kind} {record.id}: {record.reason}")
        if report.skipped:
            raise CommandError(f"{len(report.skipped)} record(s) skipped.", returncode=1)
