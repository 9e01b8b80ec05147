"""The payout outbox's submissions to a provider and the provider's events as received."""

import uuid

from django.db import models
from django.db.models import Q

from settlements.models.remittances import Remittance


class PayoutSubmissionStatus(models.TextChoices):
    PENDING = "PENDING"  # to submit, or to retry: attempts > 0 means a call may have reached the provider
    SUBMITTING = "SUBMITTING"  # claimed by one process until `lease_expires_at`; its call is under way
    SUBMITTED = "SUBMITTED"  # the provider accepted it; the remittance is PROCESSING
    IN_DOUBT = "IN_DOUBT"  # out of attempts without a known answer: finance reconciles, then retries
    REJECTED = "REJECTED"  # the provider refused it for good; a retry is a new submission with a new key
    SKIPPED = "SKIPPED"  # the remittance left PENDING before submission (cancelled, or settled by hand)


# A remittance has at most one submission in these statuses (a database index): the provider holds
# at most one live payout of it. REJECTED and SKIPPED are closed; a retry after them is a new row.
OPEN_SUBMISSION_STATUSES = (
    PayoutSubmissionStatus.PENDING,
    PayoutSubmissionStatus.SUBMITTING,
    PayoutSubmissionStatus.SUBMITTED,
    PayoutSubmissionStatus.IN_DOUBT,
)


def new_idempotency_key() -> str:
    """A random UUID: never derived from our ids, so a restore from backup, a second environment or
    a re-submission never meets a key the provider already knows."""
    return str(uuid.uuid4())


class PayoutSubmission(models.Model):
    """The outbox row of a remittance to submit to the payout provider (settlements/payouts/outbox.py).

    Written in the transaction that creates the remittance and submitted after commit by a
    background task. The provider is always called with `idempotency_key` (a random UUID, unique in
    the database, never reused), so a retry after a crash at any step never creates a second payout;
    before calling again after an attempt whose answer was lost, the outbox asks the provider
    whether it knows the key (`lookup`). A submission is claimed for one call (SUBMITTING until
    `lease_expires_at`, owned by `lease_owner`): no row lock is held while the provider is called.
    """

    remittance = models.ForeignKey(Remittance, on_delete=models.PROTECT, related_name="payout_submissions")
    idempotency_key = models.CharField(max_length=100, unique=True, default=new_idempotency_key)
    gateway = models.CharField(max_length=20)
    status = models.CharField(
        max_length=10, choices=PayoutSubmissionStatus.choices, default=PayoutSubmissionStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The sweeper's schedule: not before this instant (null: at once). Backoff doubles per attempt.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    in_doubt_reason = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "id"], name="payoutsubmission_status_id")]
        constraints = [
            models.UniqueConstraint(
                fields=["remittance"],
                condition=Q(status__in=["PENDING", "SUBMITTING", "SUBMITTED", "IN_DOUBT"]),
                name="payoutsubmission_one_open_per_remittance",
            ),
            models.CheckConstraint(
                condition=~Q(status="SUBMITTED") | ~Q(provider_reference=""),
                name="payoutsubmission_submitted_has_reference",
            ),
            models.CheckConstraint(
                condition=~Q(status="IN_DOUBT") | ~Q(in_doubt_reason=""),
                name="payoutsubmission_in_doubt_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="SUBMITTING") | Q(lease_owner__isnull=False, lease_expires_at__isnull=False),
                name="payoutsubmission_submitting_has_lease",
            ),
        ]

    def __str__(self) -> str:
        return f"Payout of remittance {self.remittance_id} ({self.status}, {self.attempts} attempts)"


class ProcessorEvent(models.Model):
    """One accepted (signed) payout-provider event, stored raw. Append-only.

    `event_id` is unique: a replay finds the stored row and changes nothing. `outcome` says what
    the event did (applied, or why it was ignored); `remittance` is null when it named none we know.
    """

    event_id = models.CharField(max_length=200, unique=True)
    type = models.CharField(max_length=100)
    raw_body = models.TextField()
    signature_header = models.CharField(max_length=1000)
    # The gateway whose adapter verified it, and the provider's payout reference it names: an event
    # received before its submission's outcome was recorded is found by it (`events.py`).
    gateway = models.CharField(max_length=20, blank=True)
    provider_reference = models.CharField(max_length=200, blank=True, db_index=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    remittance = models.ForeignKey(
        Remittance, null=True, blank=True, on_delete=models.PROTECT, related_name="processor_events"
    )
    outcome = models.CharField(max_length=30)
    detail = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}: {self.outcome}"
