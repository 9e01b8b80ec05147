"""Payees' bank details (entered and confirmed through the services), SEPA files and bank reports.

- A payout destination is added here through `payout_destination_set` (a change is a new row);
  "Confirm" calls `payout_destination_confirm`, which refuses the user who entered it.
- SEPA files are read-only: their transfers, what they left out and why, and the XML to download.
- "Add bank report" is an upload of a pain.002 file, applied by `bank_report_receive`.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from backoffice.attention import attention_filter
from backoffice.common import ImmutableAdmin, apply_to_each, html_table, money, service_form_page
from core.errors import DomainError
from settlements.models import BankReport, PayoutDestination, SepaFile
from settlements.selectors.payees import HOLD_REASONS
from settlements.services.bank_reports import bank_report_receive
from settlements.services.payees import payout_destination_confirm, payout_destination_set

UPLOAD_MAX_BYTES = 5 * 1024 * 1024


@admin.register(PayoutDestination)
class PayoutDestinationAdmin(admin.ModelAdmin):
    list_display = ["id", "worker", "account_holder", "iban", "bic", "confirmed", "entered_by", "confirmed_by"]
    list_filter = [attention_filter(PayoutDestination), ("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["=worker__id", "worker__name", "iban", "account_holder"]
    list_select_related = ["worker", "entered_by", "confirmed_by"]
    raw_id_fields = ["worker"]
    fields = ["worker", "account_holder", "iban", "bic"]
    actions = ["confirm"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # history: a change is a new destination (Add)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(boolean=True)
    def confirmed(self, obj):
        return obj.confirmed

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except DomainError as exc:  # a bad IBAN or BIC: nothing was written
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        saved = payout_destination_set(
            worker=obj.worker, account_holder=obj.account_holder, iban=obj.iban, bic=obj.bic, actor=request.user
        )
        obj.pk = saved.pk

    @admin.action(description="Confirm the selected bank details (not the ones you entered)")
    def confirm(self, request, queryset):
        def call(destination: PayoutDestination) -> PayoutDestination:
            latest = PayoutDestination.objects.filter(worker_id=destination.worker_id).order_by("-pk").first()
            if latest is None or latest.pk != destination.pk:
                raise DomainError("These are not the worker's current bank details.")
            return payout_destination_confirm(worker=destination.worker, actor=request.user)

        apply_to_each(self, request, queryset, call, done="bank details confirmed", history="Confirmed")


@admin.register(SepaFile)
class SepaFileAdmin(ImmutableAdmin):
    list_display = ["id", "run", "message_id", "transaction_count", "total", "left_out", "created_by", "created_at"]
    list_select_related = ["run", "created_by"]
    search_fields = ["message_id", "=run__id"]
    fields = readonly_fields = (
        "run",
        "message_id",
        "total",
        "created_by",
        "created_at",
        "download",
        "transfers",
        "excluded_table",
    )

    @admin.display(description="control sum")
    def total(self, obj):
        return money(obj.control_sum, obj.currency)

    @admin.display(description="left out")
    def left_out(self, obj):
        return len(obj.excluded)

    @admin.display(description="file")
    def download(self, obj):
        return format_html('<a href="{}">{}.xml</a>', reverse("sepa-file-xml", args=[obj.pk]), obj.message_id)

    @admin.display(description="transfers")
    def transfers(self, obj):
        rows = [
            [e.end_to_end_id, e.remittance_id, e.destination.account_holder, e.destination.iban, money(e.amount)]
            for e in obj.entries.select_related("destination").order_by("pk")
        ]
        return html_table(["end-to-end id", "remittance", "payee", "IBAN", "amount"], rows)

    @admin.display(description="left out, and why")
    def excluded_table(self, obj):
        rows = [[e["remittanceId"], HOLD_REASONS.get(str(e["reason"]), e["reason"])] for e in obj.excluded]
        return html_table(["remittance", "why"], rows, empty="Nothing was left out.")


class BankReportUploadForm(forms.Form):
    report = forms.FileField(help_text="A pain.002.001.03 payment-status report from the bank (XML).")


@admin.register(BankReport)
class BankReportAdmin(ImmutableAdmin):
    list_display = ["id", "message_id", "transactions", "received_by", "received_at"]
    search_fields = ["message_id"]
    fields = readonly_fields = ("message_id", "received_by", "received_at", "outcome_table")

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("settlements.add_bankreport")

    @admin.display(description="transactions")
    def transactions(self, obj):
        return len(obj.outcomes)

    @admin.display(description="outcomes")
    def outcome_table(self, obj):
        keys = ["end_to_end_id", "status", "reason_code", "remittance_id", "outcome"]
        rows = [[o[k] for k in keys] for o in obj.outcomes]
        return html_table(["end-to-end id", "status", "reason", "remittance", "outcome"], rows)

    def add_view(self, request, form_url="", extra_context=None):
        """The upload: the file is applied once (a replay of its message id changes nothing)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BankReportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["report"]
            if upload.size > UPLOAD_MAX_BYTES:
                form.add_error("report", f"At most {UPLOAD_MAX_BYTES} bytes.")
            else:
                try:
                    result = bank_report_receive(raw_body=upload.read(), actor=request.user)
                except DomainError as exc:
                    form.add_error("report", exc.message)
                else:
                    verb = "was already received: nothing changed" if result.replayed else "applied"
                    self.message_user(request, f"Report {result.report.message_id} {verb}.", messages.SUCCESS)
                    if not result.replayed:
                        self.log_addition(request, result.report, "Uploaded")
                    url = reverse("admin:settlements_bankreport_change", args=[result.report.pk])
                    return HttpResponseRedirect(url)
        title = "Upload a bank status report (pain.002)"
        return service_form_page(self, request, title=title, form=form, submit_label="Apply")
