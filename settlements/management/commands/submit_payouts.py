"""`manage.py submit_payouts`: the payout outbox's sweeper, by hand (the `payout_sweep` schedule runs
the same function)."""

from django.core.management.base import BaseCommand

from settlements.gateway import get_gateway
from settlements.models import PayoutSubmissionStatus
from settlements.payouts.outbox import payouts_sweep


class Command(BaseCommand):
    help = (
        "Send the payout outbox's due submissions to the configured gateway: new ones, ones past their retry "
        "backoff, and ones whose process died during the call. Safe at any time, repeatedly and from several "
        "machines: each submission is claimed by one process, carries its own idempotency key, and the provider "
        "is asked whether it already holds the key before a call is repeated. A submission without a known "
        "answer after PAYOUT_SUBMISSION_MAX_ATTEMPTS becomes IN_DOUBT (retried from the admin)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ignore-backoff",
            action="store_true",
            help="Also send PENDING submissions whose retry backoff has not yet passed.",
        )

    def handle(self, *args, **options):
        gateway = get_gateway()
        if not gateway.submits:
            self.stdout.write(f"submit_payouts: the {gateway.name} gateway never submits; nothing to do")
            return
        results = payouts_sweep(ignore_backoff=options["ignore_backoff"])
        by_status = dict.fromkeys(PayoutSubmissionStatus.values, 0)
        for submission in results:
            by_status[submission.status] += 1
        summary = ", ".join(f"{count} {status.lower()}" for status, count in by_status.items() if count)
        self.stdout.write(f"submit_payouts: {len(results)} tried ({summary or 'nothing to send'})")
