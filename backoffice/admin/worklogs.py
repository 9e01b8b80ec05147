"""Worklogs: created through the service, only the rate editable (it applies to segments recorded
afterwards); their segments, items, adjustments and remittance history inline."""

from typing import cast

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from audit.models import ObjectType
from backoffice.common import AuditTrailLinkAdmin, ImmutableInline, ServiceSaveAdmin, html_table
from core.money import format_money
from settlements import selectors as settlement_selectors
from worklogs import selectors, services
from worklogs.models import Adjustment, Item, Segment, WorkLog, WorkLogRemittanceStatus


class RemittanceStatusFilter(admin.SimpleListFilter):
    """The API's `remittanceStatus`, from the same selector (`worklogs.selectors.worklogs_in_status`)."""

    title = "remittance status"
    parameter_name = "remittance_status"

    def lookups(self, request, model_admin):
        return WorkLogRemittanceStatus.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value in WorkLogRemittanceStatus.values:
            return selectors.worklogs_in_status(queryset, remittance_status=value)
        return queryset


class SegmentInline(ImmutableInline):
    model = Segment
    fk_name = "worklog"
    fields = ["started_at", "ended_at", "seconds", "hourly_rate", "earning", "status", "status_reason"]
    readonly_fields = cast("list[str]", fields)  # names only, no fieldset groups

    def get_queryset(self, request):
        return selectors.segment_list()

    @admin.display(description="amount")
    def earning(self, obj):
        return format_money(obj.earning_amount) if obj.earning_amount is not None else "—"


class ItemInline(ImmutableInline):
    model = Item
    fields = ["id", "kind", "amount", "segment", "adjustment", "reverses", "work_date", "effective_date", "created_at"]
    readonly_fields = cast("list[str]", fields)  # names only, no fieldset groups
    show_change_link = False


class AdjustmentInline(ImmutableInline):
    model = Adjustment
    fields = ["amount", "reason", "effective_date", "created_by", "created_at"]
    readonly_fields = cast("list[str]", fields)  # names only, no fieldset groups


@admin.register(WorkLog)
class WorkLogAdmin(AuditTrailLinkAdmin, ServiceSaveAdmin):
    audit_object_type = ObjectType.WORKLOG
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
    money_fields = ["currency", "amount", "remitted_amount", "unremitted", "remittance_status", "remittance_history"]
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
        # Django's change form then writes the LogEntry (History) naming the fields it changed.
        if change:  # only the rate is editable, and it applies to segments recorded afterwards
            services.worklog_rate_change(worklog=obj, hourly_rate=form.cleaned_data["hourly_rate"], actor=request.user)
            return
        obj.pk = services.worklog_create(
            worker=obj.worker, task=obj.task, hourly_rate=obj.hourly_rate, actor=request.user
        ).pk

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {}
        if request.user.has_perm("worklogs.add_adjustment"):
            extra["adjustment_add_url"] = reverse("admin:worklogs_adjustment_add") + f"?worklog={object_id}"
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    @admin.display(description="remittance history")
    def remittance_history(self, obj):
        rows = settlement_selectors.worklog_remittance_history(worklog_id=obj.pk)
        cells = [
            [
                format_html(
                    '<a href="{}">#{}</a>',
                    reverse("admin:settlements_remittance_change", args=[r["remittance_id"]]),
                    r["remittance_id"],
                ),
                r["remittance__run_id"],
                r["remittance__period_end"],
                r["remittance__status"],
                r["items"],
                format_money(r["amount"]),
            ]
            for r in rows
        ]
        headers = ["remittance", "run", "period end", "status", "items", f"from this worklog ({obj.currency})"]
        return html_table(headers, cells, empty="Never in a remittance.")
