"""The outbox of remittance advice e-mails."""

from django.db import models

from settlements.models.remittances import Remittance


class AdviceEmailStatus(models.TextChoices):
    PENDING = "PENDING"  # to send, or to retry after `next_attempt_at`
    SENT = "SENT"
    SKIPPED = "SKIPPED"  # the worker had no e-mail address when the remittance was paid


class AdviceEmail(models.Model):
    """The e-mail of a PAID remittance's advice to its worker (settlements/advice/mail.py): the outbox
    row written in the transaction that marks the remittance PAID, sent by a task after the commit,
    retried with a growing delay while the mail server fails. Never part of the payment: a failure
    here changes no money. `next_attempt_at` is also the sender's claim (a conditional UPDATE), so
    two senders never send the same advice twice at once."""

    remittance = models.OneToOneField(Remittance, on_delete=models.PROTECT, related_name="advice_email")
    to_address = models.EmailField(blank=True)
    status = models.CharField(max_length=10, choices=AdviceEmailStatus.choices, default=AdviceEmailStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="adviceemail_status_due")]

    def __str__(self) -> str:
        return f"Advice e-mail of remittance {self.remittance_id} ({self.status}, {self.attempts} attempts)"
