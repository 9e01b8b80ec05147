"""Workers, tasks, worklogs, segments and adjustments in the admin.

Every write calls the same service as the API (`worklogs.services`); amounts are the worklog's
running totals, the very fields the API serializes. Items, segments and adjustments are immutable
here: segments change status through actions, adjustments are recorded through a form, nothing is
deleted. The remittance history of a worklog and a worker's balance live in `settlements.admin`,
which extends these classes (worklogs may not import settlements).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse

from ledger.admin import (
    ImmutableAdmin,
    ImmutableInline,
    action_hidden_fields,
    apply_to_each,
    form_error_from,
    service_form_page,
)
from ledger.errors import DomainError
from ledger.money import format_money
from worklogs import selectors, services
from worklogs.models import Adjustment, Item, Segment, Task, Worker, WorkLog


def money(amount, currency: str = "") -> str:
    return f"{format_money(amount)} {currency}".strip()


class ServiceSaveAdmin(admin.ModelAdmin):
    """A model whose add/change form saves through a service: a refusal is a message, not a 500."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:  # the service refused; its transaction was rolled back
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Worker)
class WorkerAdmin(ServiceSaveAdmin):
    list_display = ["id", "name", "email", "currency", "user", "external_id"]
    list_filter = ["currency"]
    search_fields = ["name", "email", "=external_id", "user__username"]
    raw_id_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        # A worker's ledger accounts are opened in its currency, so it is fixed once created.
        return ["currency", "external_id", "created_at"] if obj else []

    def get_fields(self, request, obj=None):
        return ["name", "email", "currency", "user"] + (["external_id", "created_at"] if obj else [])

    def save_model(self, request, obj, form, change):
        if change:  # name, email and the login link carry no money
            obj.save()
            return
        created = services.worker_create(
            name=obj.name, email=obj.email, currency=obj.currency, user=obj.user, external_id=obj.external_id
        )
        obj.pk = created.pk


@admin.register(Task)
class TaskAdmin(ServiceSaveAdmin):
    list_display = ["id", "title", "external_id", "created_at"]
    search_fields = ["title", "=external_id"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        obj.pk = services.task_create(title=obj.title, external_id=obj.external_id or None).pk


class RemittanceStatusFilter(admin.SimpleListFilter):
    """The API's `remittanceStatus`, from the same query (`worklogs.selectors.REMITTED_Q`)."""

    title = "remittance status"
    parameter_name = "remittance_status"

    def lookups(self, request, model_admin):
        return [("REMITTED", "Remitted"), ("UNREMITTED", "Unremitted")]

    def queryset(self, request, queryset):
        if self.value() == "REMITTED":
            return queryset.filter(selectors.REMITTED_Q)
        if self.value() == "UNREMITTED":
            return queryset.exclude(selectors.REMITTED_Q)
        return queryset


class SegmentInline(ImmutableInline):
    model = Segment
    fk_name = "worklog"
    fields = ["started_at", "ended_at", "seconds", "hourly_rate", "earning", "status", "status_reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.segment_list()

    @admin.display(description="amount")
    def earning(self, obj):
        return format_money(obj.earning_amount) if obj.earning_amount is not None else "—"


class ItemInline(ImmutableInline):
    model = Item
    fields = ["id", "kind", "amount", "segment", "adjustment", "reverses", "work_date", "effective_date", "created_at"]
    readonly_fields = fields
    show_change_link = False


class AdjustmentInline(ImmutableInline):
    model = Adjustment
    fields = ["amount", "reason", "effective_date", "created_by", "created_at"]
    readonly_fields = fields


@admin.register(WorkLog)
class WorkLogAdmin(ServiceSaveAdmin):
    list_display = [
        "id",
        "worker",
        "task",
        "hourly_rate",
        "currency",
        "amount",
        "remitted_amount",
        "unremitted",
        "remittance_status",
    ]
    list_filter = [RemittanceStatusFilter, "currency", ("worker", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["worker__name", "task__title", "=id", "=worker__id", "=external_id"]
    list_select_related = ["worker", "task"]
    raw_id_fields = ["worker", "task"]
    money_fields = ["currency", "amount", "remitted_amount", "unremitted", "remittance_status"]
    inlines = [SegmentInline, ItemInline, AdjustmentInline]

    def get_queryset(self, request):
        return selectors.worklog_list().select_related("worker", "task")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["worker", "task", "hourly_rate"]
        return ["worker", "task", "hourly_rate", *self.money_fields, "external_id", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["worker", "task", *self.money_fields, "external_id", "created_at"]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    @admin.display(description="unremitted")
    def unremitted(self, obj):
        return format_money(obj.unremitted_amount)

    @admin.display(description="remittance status")
    def remittance_status(self, obj):
        return obj.remittance_status

    def save_model(self, request, obj, form, change):
        if change:  # only the rate is editable, and it applies to segments recorded afterwards
            services.worklog_rate_change(worklog=obj, hourly_rate=form.cleaned_data["hourly_rate"])
            return
        obj.pk = services.worklog_create(worker=obj.worker, task=obj.task, hourly_rate=obj.hourly_rate).pk

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {}
        if request.user.has_perm("worklogs.add_adjustment"):
            extra["adjustment_add_url"] = reverse("admin:worklogs_adjustment_add") + f"?worklog={object_id}"
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


# --- Segments: status changes are actions that call the services ------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class ReasonEffectiveForm(ReasonForm):
    effective_date = forms.DateField(required=False, help_text="Optional: settle no earlier than this period end.")


class ResolveRemoveForm(forms.Form):
    effective_date = forms.DateField(required=False, help_text="Optional: settle no earlier than this period end.")


class CorrectForm(ReasonEffectiveForm):
    started_at = forms.DateTimeField(help_text="YYYY-MM-DD HH:MM:SS, in the server's time zone.")
    ended_at = forms.DateTimeField()
    field_order = ["started_at", "ended_at", "reason", "effective_date"]


@admin.register(Segment)
class SegmentAdmin(ImmutableAdmin):
    list_display = ["id", "worklog", "worker", "started_at", "ended_at", "hourly_rate", "earning", "status"]
    list_filter = ["status", ("worker", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["=id", "=worklog__id", "worker__name", "=external_id"]
    list_select_related = ["worker"]
    actions = ["dispute", "resolve_accept", "resolve_remove", "remove", "correct"]

    def get_queryset(self, request):
        return selectors.segment_list()

    def has_act_permission(self, request) -> bool:
        return request.user.has_perm("worklogs.change_segment")

    @admin.display(description="amount")
    def earning(self, obj):
        return format_money(obj.earning_amount) if obj.earning_amount is not None else "—"

    def _form_action(self, request, queryset, *, form_class, title, submit, call, done):
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            apply_to_each(self, request, queryset, lambda segment: call(segment, form.cleaned_data), done=done)
            return None
        rows = [[s.pk, s.worker, s.started_at, s.ended_at, s.status, s.earning_amount] for s in queryset]
        table = {"caption": "Segments", "headers": ["id", "worker", "start", "end", "status", "amount"], "rows": rows}
        return service_form_page(
            self,
            request,
            title=title,
            form=form,
            submit_label=submit,
            hidden=action_hidden_fields(request, queryset),
            table=table,
        )

    @admin.action(description="Dispute selected segments (hold their unpaid earnings)", permissions=["act"])
    def dispute(self, request, queryset):
        return self._form_action(
            request,
            queryset,
            form_class=ReasonForm,
            title="Dispute segments",
            submit="Dispute",
            call=lambda s, data: services.segment_dispute(segment=s, reason=data["reason"]),
            done="segment(s) disputed",
        )

    @admin.action(description="Resolve selected disputes: accept", permissions=["act"])
    def resolve_accept(self, request, queryset):
        return self._form_action(
            request,
            queryset,
            form_class=forms.Form,
            title="Accept disputed segments",
            submit="Accept",
            call=lambda s, data: services.segment_resolve(segment=s, resolution="ACCEPT"),
            done="dispute(s) accepted",
        )

    @admin.action(description="Resolve selected disputes: remove", permissions=["act"])
    def resolve_remove(self, request, queryset):
        return self._form_action(
            request,
            queryset,
            form_class=ResolveRemoveForm,
            title="Remove disputed segments",
            submit="Remove",
            call=lambda s, data: services.segment_resolve(
                segment=s, resolution="REMOVE", effective_date=data["effective_date"]
            ),
            done="dispute(s) resolved by removal",
        )

    @admin.action(description="Remove selected segments", permissions=["act"])
    def remove(self, request, queryset):
        return self._form_action(
            request,
            queryset,
            form_class=ReasonEffectiveForm,
            title="Remove segments",
            submit="Remove",
            call=lambda s, data: services.segment_remove(
                segment=s, reason=data["reason"], effective_date=data["effective_date"]
            ),
            done="segment(s) removed",
        )

    @admin.action(description="Correct the selected segment (new times)", permissions=["act"])
    def correct(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one segment to correct.", messages.WARNING)
            return None
        segment = queryset.get()
        form = CorrectForm(
            request.POST if "apply" in request.POST else None,
            initial={"started_at": segment.started_at, "ended_at": segment.ended_at},
        )
        if form.is_bound and form.is_valid():
            try:
                replacement = services.segment_adjust(segment=segment, **form.cleaned_data)
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                self.message_user(request, f"{segment} superseded by segment #{replacement.pk}.", messages.SUCCESS)
                return None
        table = {
            "caption": "Segment",
            "headers": ["id", "worker", "start", "end", "status", "amount"],
            "rows": [[segment.pk, segment.worker, segment.started_at, segment.ended_at, segment.status,
                      segment.earning_amount]],
        }  # fmt: skip
        return service_form_page(
            self,
            request,
            title=f"Correct segment #{segment.pk}",
            form=form,
            submit_label="Correct",
            hidden=action_hidden_fields(request, queryset),
            table=table,
            notes=["The segment is superseded: its earning is reversed and the corrected time earns at its rate."],
        )


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
class AdjustmentAdmin(ImmutableAdmin):
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
                self.message_user(
                    request,
                    f"Recorded adjustment #{adjustment.pk} of {money(adjustment.amount, worklog.currency)} "
                    f"on worklog #{worklog.pk}.",
                    messages.SUCCESS,
                )
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
