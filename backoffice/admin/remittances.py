"""Remittances: read-only money rows whose state changes are actions calling the services.

Allowed to users with `settlements.change_remittance` (the `finance` group, see migration 0004):
cancel, mark failed, mark paid and mark returned (PAID only), each through a confirmation page (`backoffice.views`) that
shows what will be released and asks for a reason.
"""

from typing import cast

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from audit.models import ObjectType
from backoffice import views
from backoffice.attention import attention_filter
from backoffice.common import AuditTrailLinkAdmin, ImmutableAdmin, ImmutableInline, action_hidden_fields, html_table
from core.money import format_money
from settlements import selectors
from settlements.models import Remittance, RemittanceEvent, RemittanceStatus
from settlements.selectors.advice import remittance_advice


class RemittanceEventInline(ImmutableInline):
    model = RemittanceEvent
    fields = ["created_at", "from_status", "to_status", "reason", "provider_reference", "actor"]
    readonly_fields = cast("list[str]", fields)  # names only, no fieldset groups
    show_change_link = False


_RemittanceAttention = attention_filter(Remittance)


class NeedsAttentionFilter(_RemittanceAttention):  # type: ignore[misc,valid-type]
    """The dashboard's items about remittances (`backoffice.attention`), and RETURNED ones (the bank
    or provider sent a paid transfer back; their items were released and the next run pays them
    again, so check the payee's bank details first)."""

    def lookups(self, request, model_admin):
        return [
            *super().lookups(request, model_admin),
            ("returned", "Returned payouts (check the payee's bank details)"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "returned":
            return queryset.filter(status=RemittanceStatus.RETURNED)
        return super().queryset(request, queryset)


@admin.register(Remittance)
class RemittanceAdmin(AuditTrailLinkAdmin, ImmutableAdmin):
    audit_object_type = ObjectType.REMITTANCE
    list_display = ["id", "worker", "period_end", "amount", "currency", "status", "run", "created_at"]
    list_filter = [
        NeedsAttentionFilter,
        "status",
        "period_end",
        "currency",
        ("worker", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["=id", "=worker__id", "worker__name", "provider_reference"]
    list_select_related = ["worker", "run"]
    readonly_fields = ["worklogs"]
    inlines = [RemittanceEventInline]
    actions = ["cancel", "mark_failed", "mark_paid", "mark_returned"]

    def has_act_permission(self, request) -> bool:
        return request.user.has_perm("settlements.change_remittance")

    @admin.display(description="worklogs")
    def worklogs(self, obj):
        rows = selectors.remittance_worklog_amounts(remittance_ids=[obj.pk])[obj.pk]
        cells = [
            [
                format_html(
                    '<a href="{}">#{}</a>',
                    reverse("admin:worklogs_worklog_change", args=[r["worklog_id"]]),
                    r["worklog_id"],
                ),
                format_money(r["amount"]),
            ]
            for r in rows
        ]
        return html_table(["worklog", f"amount ({obj.currency})"], cells)

    def _transition(self, request, queryset, slug):
        return views.transition_page(
            self,
            request,
            queryset,
            transition=views.TRANSITIONS[slug],
            hidden=action_hidden_fields(request, queryset),
            on_done=lambda: None,
        )

    @admin.action(description="Cancel selected remittances (release their items)", permissions=["act"])
    def cancel(self, request, queryset):
        return self._transition(request, queryset, "cancel")

    @admin.action(description="Mark selected remittances failed (release their items)", permissions=["act"])
    def mark_failed(self, request, queryset):
        return self._transition(request, queryset, "mark-failed")

    @admin.action(description="Mark selected remittances paid", permissions=["act"])
    def mark_paid(self, request, queryset):
        return self._transition(request, queryset, "mark-paid")

    @admin.action(description="Mark selected paid remittances returned (release their items)", permissions=["act"])
    def mark_returned(self, request, queryset):
        return self._transition(request, queryset, "mark-returned")

    def get_urls(self):
        view = self.admin_site.admin_view(self.transition_view)
        url = path("<int:pk>/transition/<slug:slug>/", view, name="settlements_remittance_transition")
        advice = path(
            "<int:pk>/advice/", self.admin_site.admin_view(self.advice_view), name="settlements_remittance_advice"
        )
        return [url, advice, *super().get_urls()]

    def advice_view(self, request, pk: int):
        """The remittance advice as HTML: the same data as the PDF (`selectors.remittance_advice`)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        remittance = get_object_or_404(Remittance.objects.select_related("worker"), pk=pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Remittance advice #{remittance.pk}",
            "opts": self.model._meta,
            "original": remittance,
            "advice": remittance_advice(remittance=remittance),
            "pdf_url": reverse("remittance-advice-pdf", args=[remittance.pk]),
        }
        return TemplateResponse(request, "admin/settlements/remittance/advice.html", context)

    def transition_view(self, request, pk: int, slug: str):
        if not self.has_act_permission(request) or slug not in views.TRANSITIONS:
            raise PermissionDenied
        remittance = get_object_or_404(Remittance, pk=pk)
        change_url = reverse("admin:settlements_remittance_change", args=[remittance.pk])
        return views.transition_page(
            self,
            request,
            Remittance.objects.filter(pk=remittance.pk),
            transition=views.TRANSITIONS[slug],
            hidden=[],
            on_done=lambda: HttpResponseRedirect(change_url),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        remittance = self.get_object(request, object_id)
        links = views.transition_links(remittance) if remittance and self.has_act_permission(request) else []
        advice = reverse("admin:settlements_remittance_advice", args=[remittance.pk]) if remittance else ""
        context = {"transition_links": links, "advice_url": advice, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}  # a TemplateResponse's, when it has one
        cl = context.get("cl")
        if cl is not None:
            rows = selectors.remittance_totals(cl.queryset)
            context["remittance_totals"] = [{**r, "total": format_money(r["total"])} for r in rows]
        return response
