"""The payout outbox, the provider's events as received, and the advice e-mails: read-only."""

from django.contrib import admin

from backoffice.attention import attention_filter
from backoffice.common import ImmutableAdmin
from settlements.models import AdviceEmail, PayoutSubmission, ProcessorEvent


@admin.register(PayoutSubmission)
class PayoutSubmissionAdmin(ImmutableAdmin):
    """The payout outbox: what was (or is still to be) submitted to the provider."""

    list_display = ["id", "remittance", "gateway", "status", "attempts", "provider_reference", "last_error"]
    list_filter = [attention_filter(PayoutSubmission), "status", "gateway"]
    search_fields = ["=remittance__id", "provider_reference", "idempotency_key"]
    list_select_related = ["remittance"]


@admin.register(ProcessorEvent)
class ProcessorEventAdmin(ImmutableAdmin):
    """Every signed provider event as received, with what it did."""

    list_display = ["id", "event_id", "type", "remittance", "outcome", "received_at"]
    list_filter = ["type", "outcome"]
    search_fields = ["event_id", "=remittance__id"]
    list_select_related = ["remittance"]


@admin.register(AdviceEmail)
class AdviceEmailAdmin(ImmutableAdmin):
    """The advice e-mailed to each worker when a remittance became PAID (settlements/advice/mail.py)."""

    list_display = ["id", "remittance", "to_address", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = [attention_filter(AdviceEmail), "status"]
    search_fields = ["=remittance__id", "to_address"]
    list_select_related = ["remittance"]
