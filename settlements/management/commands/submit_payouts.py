"""`manage.py submit_payouts`: submit every PENDING payout submission again (crash recovery)."""

from django.core.management.base import BaseCommand

from settlements.gateway import get_gateway
from settlements.models import PayoutSubmissionStatus
from settlements.payouts.outbox import payouts_submit_pending


class Command(BaseCommand):
    help = (
        "Submit the payout outbox's PENDING submissions to the configured gateway. Safe to run at any time "
        "and repeatedly: each call carries the remittance's idempotency key, so the provider never pays twice."
    )

    def handle(self, *args, **options):
        gateway = get_gateway()
        if not gateway.submits:
            self.stdout.write(f"submit_payouts: the {gateway.name} gateway never submits; nothing to do")
            return
        results = payouts_submit_pending()
        by_status = dict.fromkeys(PayoutSubmissionStatus.values, 0)
        for submission in results:
            by_status[submission.status] += 1
        summary = ", ".join(f"{count} {status.lower()}" for status, count in by_status.items())
        self.stdout.write(f"submit_payouts: {len(results)} tried ({summary})")
