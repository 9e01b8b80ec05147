"""`manage.py audit_totals`: recompute every cached total from the money facts and report differences."""

from django.core.management.base import BaseCommand, CommandError

from settlements.selectors.audit import audit_report


class Command(BaseCommand):
    help = (
        "Recompute every worklog's running totals from its items and claims, each item's cents, every "
        "remittance from its claims and every worker's ledger balances; exit 1 on any difference."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-selectors",
            action="store_true",
            help="Skip the per-worker comparison with the API's balance selectors (3 queries per worker).",
        )

    def handle(self, *args, **options):
        report = audit_report(check_selectors=not options["no_selectors"])
        if not report.differences:
            self.stdout.write(
                f"audit_totals: {report.worklogs} worklogs, {report.workers} workers checked, no difference"
            )
            return
        for difference in report.differences:
            self.stdout.write(str(difference))
        raise CommandError(
            f"audit_totals: {len(report.differences)} difference(s) in {report.worklogs} worklogs, "
            f"{report.workers} workers",
            returncode=1,
        )
