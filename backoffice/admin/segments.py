"""Segments: immutable here; status changes are actions that call the services."""

from django import forms
from django.contrib import admin, messages

from audit.models import ObjectType
from backoffice.attention import attention_filter
from backoffice.common import (
    AuditTrailLinkAdmin,
    ImmutableAdmin,
    action_hidden_fields,
    apply_to_each,
    form_error_from,
    service_form_page,
)
from core.errors import DomainError
from core.money import format_money
from worklogs import selectors, services
from worklogs.models import Segment

# --- Segments: status changes are actions that call the services ------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class ReasonEffectiveForm(ReasonForm):
    effective_date = forms.DateField(required=False, help_text="Optional: settle no earlier than this period end.")


class ResolveRemoveForm(forms.Form):
    effective_date = forms.DateField(required=False, help_text="Optional: settle no earlier than this period end.")


def _effective(data: dict) -> str:
    effective_date = data.get("effective_date")
    return f" (effective {effective_date})." if effective_date else "."


class CorrectForm(ReasonEffectiveForm):
    started_at = forms.DateTimeField(help_text="YYYY-MM-DD HH:MM:SS, in the server's time zone.")
    ended_at = forms.DateTimeField()
    field_order = ["started_at", "ended_at", "reason", "effective_date"]


@admin.register(Segment)
class SegmentAdmin(AuditTrailLinkAdmin, ImmutableAdmin):
    audit_object_type = ObjectType.SEGMENT
    list_display = ["id", "worklog", "worker", "started_at", "ended_at", "hourly_rate", "earning", "status"]
    list_filter = [attention_filter(Segment), "status", ("worker", admin.RelatedOnlyFieldListFilter)]
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

    def _form_action(self, request, queryset, *, form_class, title, submit, call, done, history):
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            apply_to_each(
                self,
                request,
                queryset,
                lambda segment: call(segment, form.cleaned_data),
                done=done,
                history=history(form.cleaned_data),
            )
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
            call=lambda s, data: services.segment_dispute(segment=s, reason=data["reason"], actor=request.user),
            done="segment(s) disputed",
            history=lambda data: f"Disputed: {data['reason']}",
        )

    @admin.action(description="Resolve selected disputes: accept", permissions=["act"])
    def resolve_accept(self, request, queryset):
        return self._form_action(
            request,
            queryset,
            form_class=forms.Form,
            title="Accept disputed segments",
            submit="Accept",
            call=lambda s, data: services.segment_resolve(segment=s, resolution="ACCEPT", actor=request.user),
            done="dispute(s) accepted",
            history=lambda data: "Dispute resolved: accepted.",
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
                segment=s, resolution="REMOVE", effective_date=data["effective_date"], actor=request.user
            ),
            done="dispute(s) resolved by removal",
            history=lambda data: "Dispute resolved: removed" + _effective(data),
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
                segment=s, reason=data["reason"], effective_date=data["effective_date"], actor=request.user
            ),
            done="segment(s) removed",
            history=lambda data: f"Removed{_effective(data)} {data['reason']}",
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
                replacement = services.segment_adjust(segment=segment, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                reason = form.cleaned_data["reason"]
                self.log_change(request, segment, f"Corrected: superseded by segment #{replacement.pk}. {reason}")
                self.log_addition(request, replacement, f"Recorded as the correction of segment #{segment.pk}.")
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
