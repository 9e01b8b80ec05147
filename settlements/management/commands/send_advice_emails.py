from django.core.management.base import BaseCommand

from settlements.advice.mail import advice_emails_send_due


class Command(BaseCommand):
    help = "Send the advice e-mails of PAID remittances that are waiting (a mail server outage, a lost task)."

    def handle(self, *args, **options):
        counts = advice_emails_send_due()
        self.stdout.write(", ".join(f"{status}: {n}" for status, n in sorted(counts.items())) or "nothing due")
