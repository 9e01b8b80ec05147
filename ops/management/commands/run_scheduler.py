"""`manage.py run_scheduler`: the scheduler process (one command for a host; a compose service).

Runs the jobs of `settings.SCHEDULED_JOBS` on their schedules until SIGTERM or SIGINT, then lets
the running jobs finish. `--once` runs one tick (the due slots) and exits: for cron, or a test.
`--run JOB` runs that job now, in a slot of its own (the current minute), through the same lease.
"""

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ops.scheduler.registry import scheduled_jobs
from ops.scheduler.runner import Scheduler, run_slot


class Command(BaseCommand):
    help = "Run the scheduled jobs (monthly settlement run, payout sweep, nightly audit, pruning) on their schedules."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run the slots due now, then exit.")
        parser.add_argument("--job", action="append", metavar="NAME", help="Only this job (repeatable).")
        parser.add_argument("--run", metavar="NAME", help="Run this job now (a slot of the current minute) and exit.")

    def handle(self, *args, **options):
        names = options["job"]
        unknown = sorted(set(names or []) | ({options["run"]} if options["run"] else set()))
        unknown = [name for name in unknown if name not in settings.SCHEDULED_JOBS]
        if unknown:
            raise CommandError(
                f"Unknown job {', '.join(unknown)}; the jobs are {', '.join(settings.SCHEDULED_JOBS)}.", returncode=2
            )
        if options["run"]:
            jobs = scheduled_jobs([options["run"]])
            if not jobs:
                raise CommandError(f"Job {options['run']} is switched off (its schedule is off).", returncode=2)
            job = jobs[0]
            slot = timezone.now().replace(second=0, microsecond=0)
            scheduler = Scheduler([job])
            ran = run_slot(job, slot, scheduler.owner)
            self.stdout.write(
                f"{job.name} {slot.isoformat()}: {'ran' if ran else 'already taken by another scheduler'}"
            )
            return
        scheduler = Scheduler(scheduled_jobs(names))
        if options["once"]:
            for future in scheduler.tick():
                future.result()
            return

        def stop(signum, frame):
            scheduler.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        scheduler.run_forever(tick_seconds=settings.SCHEDULER_TICK_SECONDS)
