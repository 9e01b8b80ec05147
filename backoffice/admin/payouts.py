"""The payout outbox and the provider's events, as received: read-only."""

from django.contrib import admin

from backoffice.common import ImmutableAdmin
from settlements.models import PayoutSubmission, ProcessorEvent


@admin.register(PayoutSubmission)
class PayoutSubmissionAdmin(ImmutableAdmin):
    """The payout outbox: what was (or is still to be) submitted to the provider."""

    list_display = ["id", "remittance", "gateway", "status", "attempts", "provider_reference", "last_error"]
    list_filter = ["status", "gateway"]
    search_fields = ["=remittance__id", "provider_reference", "idempotency_key"]
    list_select_related = ["remittance"]


@admin.register(ProcessorEvent)
class ProcessorEventAdmin(ImmutableAdmin):
    """Every signed provider event as received, with what it did."""

    list_display = ["id", "event_id", "type", "remittance", "outcome", "received_at"]
    list_filter = ["type", "outcome"]
    search_fields = ["event_id", "=remittance__id"]
    list_select_related = ["remittance"]
