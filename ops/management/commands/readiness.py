"""`manage.py readiness`: the checks of /readyz from a process that serves no HTTP (the `worker` and
`scheduler` containers' healthcheck): exit 0 when this process can work (database reachable,
migrations applied, the configured cache reachable), 1 otherwise; the report is one JSON line.
`--alarms` adds the business alarms to the report (they never change the exit status)."""

import json

from django.core.management.base import BaseCommand, CommandError

from ops.health.readiness import readiness


class Command(BaseCommand):
    help = "Exit 0 when this node can work (database, migrations, cache), 1 otherwise; prints the report as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--alarms", action="store_true", help="Also report the business alarms.")

    def handle(self, *args, **options):
        status, body = readiness(alarms=options["alarms"])
        self.stdout.write(json.dumps(body))
        if status != 200:
            raise CommandError("not ready", returncode=1)
