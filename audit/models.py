"""The audit trail. Append-only: a PostgreSQL trigger refuses UPDATE and DELETE (migration 0002)."""

from django.conf import settings
from django.db import models


class ObjectType(models.TextChoices):
    """What an event is about. Not the column's `choices`: a new kind needs no migration."""

    WORKER = "worker", "A worker"
    WORKLOG = "worklog", "A worklog"
    SEGMENT = "segment", "A segment"
    ADJUSTMENT = "adjustment", "An adjustment"
    REMITTANCE = "remittance", "A remittance"
    SETTLEMENT_RUN = "settlement_run", "A settlement run"
    USER = "user", "A login"
    SEPA_FILE = "sepa_file", "A SEPA credit-transfer file"
    BANK_REPORT = "bank_report", "A bank's payment-status report"


class Action(models.TextChoices):
    """What happened, `<objectType>.<verb>`, and which fields its `changes` carry (docs/API.md)."""

    WORKER_CREATED = "worker.created", "name, email, currency, user (the login, by username), externalId"
    WORKER_UPDATED = "worker.updated", "what changed of name, email, user"
    WORKLOG_CREATED = "worklog.created", "workerId, taskId, hourlyRate, currency, externalId"
    WORKLOG_RATE_CHANGED = "worklog.rate_changed", "hourlyRate"
    SEGMENT_RECORDED = (
        "segment.recorded",
        "worklogId, startedAt, endedAt, hourlyRate, amount, note, externalId, replacesId",
    )
    SEGMENT_DISPUTED = "segment.disputed", "status, disputeReason"
    SEGMENT_RESOLVED = "segment.resolved", "status, statusReason, effectiveDate"
    SEGMENT_REMOVED = "segment.removed", "status, statusReason, effectiveDate"
    SEGMENT_CORRECTED = "segment.corrected", "status, statusReason, startedAt, endedAt, replacedById, effectiveDate"
    ADJUSTMENT_RECORDED = "adjustment.recorded", "worklogId, amount, reason, effectiveDate, externalId"
    REMITTANCE_MARKED_PROCESSING = "remittance.marked_processing", "status, providerReference"
    REMITTANCE_MARKED_PAID = "remittance.marked_paid", "status, providerReference"
    REMITTANCE_MARKED_FAILED = "remittance.marked_failed", "status, statusReason"
    REMITTANCE_CANCELLED = "remittance.cancelled", "status, statusReason"
    REMITTANCE_MARKED_RETURNED = "remittance.marked_returned", "status, statusReason (and source, occurredAt)"
    SETTLEMENT_RUN_CREATED = "settlement_run.created", "periodEnd, status, approvalRequired"
    SETTLEMENT_RUN_APPROVED = "settlement_run.approved", "approvedBy, approvedAt"
    SETTLEMENT_RUN_REJECTED = "settlement_run.rejected", "rejectedBy, rejectedAt, rejectionReason"
    WORKER_PAYOUT_DESTINATION_ENTERED = (
        "worker.payout_destination_entered",
        "accountHolder, iban (masked), bic, confirmed (false: a new destination awaits confirmation)",
    )
    WORKER_PAYOUT_DESTINATION_CONFIRMED = (
        "worker.payout_destination_confirmed",
        "confirmed, destinationId, iban (masked), enteredBy",
    )
    SEPA_FILE_CREATED = "sepa_file.created", "runId, messageId, transactions, controlSum, remittanceIds, excluded"
    BANK_REPORT_RECEIVED = "bank_report.received", "messageId, outcomes (per transaction)"
    USER_GROUP_ADDED = "user.group_added", "group"
    USER_GROUP_REMOVED = "user.group_removed", "group"
    USER_TOKENS_REVOKED = "user.tokens_revoked", "tokens (how many were revoked)"


class AuditEvent(models.Model):
    """One change, by one actor (null for the system: a scheduled run, a provider's event).

    `changes` is `{"field": [old, new]}` with values as the API writes them (money as "40.00",
    dates as ISO strings); `actor_username` keeps the name the actor had at the time.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="auditevent_object"),
            # `?actor=` filters by the name the actor had at the time, as the events show it.
            models.Index(fields=["actor_username", "id"], name="auditevent_actor_name"),
        ]

    def __str__(self) -> str:
        who = self.actor_username or "system"
        return f"{self.at:%Y-%m-%d %H:%M} {who} {self.action} {self.object_type} {self.object_id}"
