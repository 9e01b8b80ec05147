"""The payout outbox, the provider's events as received, and the advice e-mails: read-only, with
finance's "retry now" for a submission in doubt (the same service as everywhere, `payout_submission_retry`)."""

from django.contrib import admin, messages

from backoffice.attention import attention_filter
from backoffice.common import ImmutableAdmin
from core.errors import DomainError
from settlements.models import AdviceEmail, PayoutSubmission, PayoutSubmissionStatus, ProcessorEvent
from settlements.selectors.operations import payout_submissions_in_doubt
from settlements.services.submissions import payout_submission_retry
from settlements.tasks import payout_submissions_enqueue


class AnswerUnknownFilter(admin.SimpleListFilter):
    """Submissions whose call may have reached the provider without a known answer
    (`payout_submissions_in_doubt`, what /readyz and /metrics count)."""

    title = "answer unknown"
    parameter_name = "unknown"

    def lookups(self, request, model_admin):
        return [("yes", "In doubt, being retried, or abandoned mid-call")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=payout_submissions_in_doubt().values("pk"))
        return queryset


@admin.register(PayoutSubmission)
class PayoutSubmissionAdmin(ImmutableAdmin):
    """The payout outbox: what was (or is still to be) submitted to the provider."""

    list_display = [
        "id",
        "remittance",
        "gateway",
        "status",
        "attempts",
        "next_attempt_at",
        "lease_expires_at",
        "in_doubt_reason",
        "provider_reference",
        "last_error",
    ]
    list_filter = [attention_filter(PayoutSubmission), "status", AnswerUnknownFilter, "gateway"]
    search_fields = ["=remittance__id", "provider_reference", "idempotency_key"]
    list_select_related = ["remittance"]
    actions = ["retry_now"]

    def has_act_permission(self, request) -> bool:
        return request.user.has_perm("settlements.change_remittance")

    @admin.action(
        description="Retry now (in doubt or waiting: the provider is asked for the key first; refused: a new key)",
        permissions=["act"],
    )
    def retry_now(self, request, queryset):
        retried = []
        for submission in queryset.order_by("pk"):
            try:
                again = payout_submission_retry(submission=submission, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"Submission {submission.pk}: {exc.message}", messages.ERROR)
                continue
            retried.append(again)
            self.log_change(request, submission, f"Retried now as submission {again.pk} ({again.status}).")
        payout_submissions_enqueue(submissions=retried)  # sent after this request commits
        for again in retried:
            again.refresh_from_db()
            if again.status == PayoutSubmissionStatus.SUBMITTED:
                level, text = messages.SUCCESS, "accepted by the provider"
            elif again.status == PayoutSubmissionStatus.IN_DOUBT:
                level, text = messages.ERROR, f"still in doubt: {again.in_doubt_reason}"
            else:
                level, text = messages.INFO, f"{again.status} (handed to the background worker)"
            self.message_user(request, f"Submission {again.pk} of remittance {again.remittance_id}: {text}.", level)


@admin.register(ProcessorEvent)
class ProcessorEventAdmin(ImmutableAdmin):
    """Every signed provider event as received, with what it did."""

    list_display = ["id", "event_id", "type", "remittance", "provider_reference", "occurred_at", "outcome"]
    list_filter = ["type", "outcome", "gateway"]
    search_fields = ["event_id", "=remittance__id", "provider_reference"]
    list_select_related = ["remittance"]


@admin.register(AdviceEmail)
class AdviceEmailAdmin(ImmutableAdmin):
    """The advice e-mailed to each worker when a remittance became PAID (settlements/advice/mail.py)."""

    list_display = ["id", "remittance", "to_address", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = [attention_filter(AdviceEmail), "status"]
    search_fields = ["=remittance__id", "to_address"]
    list_select_related = ["remittance"]
