"""`manage.py export_dbml`: the schema as DBML (`schema.dbml`, `make schema`); see `devtools.dbml`."""

from pathlib import Path

from django.core.management.base import BaseCommand

from devtools.dbml import generate_dbml


class Command(BaseCommand):
    help = "Write the schema of the ledger, worklogs and settlements apps as DBML (make schema)."

    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args, **options):
        text = generate_dbml()
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"export_dbml: wrote {options['output']}")
        else:
            self.stdout.write(text, ending="")
