"""Adjustments: recorded through a form that calls the service."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse

from audit.models import ObjectType
from backoffice.common import (
    AuditTrailLinkAdmin,
    ImmutableAdmin,
    form_error_from,
    money,
    service_form_page,
)
from core.errors import DomainError
from worklogs import services
from worklogs.models import Adjustment, WorkLog

# --- Adjustments: recorded through a form that calls the service ------------------------------


class AdjustmentForm(forms.Form):
    """The API's fields with the API's parsing; the service decides the rest (as for the API)."""

    worklog = forms.ModelChoiceField(queryset=WorkLog.objects.all())
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, help_text="Signed: -30.00 is a deduction, 25.00 a bonus."
    )
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    effective_date = forms.DateField(
        required=False, help_text="Optional: settle with the first run whose period end is on or after this date."
    )

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        remote = Adjustment._meta.get_field("worklog").remote_field
        self.fields["worklog"].widget = ForeignKeyRawIdWidget(remote, admin_site)


@admin.register(Adjustment)
class AdjustmentAdmin(AuditTrailLinkAdmin, ImmutableAdmin):
    audit_object_type = ObjectType.ADJUSTMENT
    list_display = ["id", "worklog", "amount", "reason", "effective_date", "created_by", "created_at"]
    list_filter = ["effective_date", "worklog__currency"]
    search_fields = ["reason", "=worklog__id", "worklog__worker__name"]
    list_select_related = ["worklog", "created_by"]

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("worklogs.add_adjustment")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else None
        form = AdjustmentForm(data, initial={"worklog": request.GET.get("worklog")}, admin_site=self.admin_site)
        if form.is_bound and form.is_valid():
            try:
                adjustment = services.adjustment_record(created_by=request.user, **form.cleaned_data)
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                worklog = adjustment.worklog
                done = (
                    f"Recorded adjustment #{adjustment.pk} of {money(adjustment.amount, worklog.currency)} "
                    f"on worklog #{worklog.pk}."
                )
                self.log_addition(request, adjustment, f"{done} Reason: {adjustment.reason}")
                self.log_change(request, worklog, f"{done} Reason: {adjustment.reason}")  # the worklog's History too
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:worklogs_worklog_change", args=[worklog.pk]))
        return service_form_page(
            self,
            request,
            title="Record an adjustment",
            form=form,
            submit_label="Record adjustment",
            notes=[
                "A deduction may exceed what the worklog earned; the rest is taken from later payouts.",
                "Without an effective date it is settled by the next run executed.",
            ],
        )
