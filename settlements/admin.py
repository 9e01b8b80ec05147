"""Settlements in the admin: runs, remittances and their transitions, balances and statements.

Remittances and runs are money rows: read-only and undeletable here. Their state changes are
actions that call `settlements.services` (through the pages of `settlements.admin_views`), allowed
to users with `settlements.change_remittance` / `settlements.add_settlementrun` (the `finance`
group, see migration 0004). The worker and worklog pages of `worklogs.admin` are extended here with
what only settlements knows: balances, statements and remittance history.
"""

from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from ledger.admin import ImmutableAdmin, ImmutableInline, action_hidden_fields
from ledger.errors import DomainError
from ledger.money import MoneySum, format_money
from settlements import admin_views, selectors, services
from settlements.exports import remittances_csv_response
from settlements.models import (
    Claim,
    PayoutSubmission,
    ProcessorEvent,
    Remittance,
    RemittanceEvent,
    RunStatus,
    SettlementRun,
)
from settlements.tasks import settlement_run_task
from worklogs import admin as worklogs_admin
from worklogs.models import Worker, WorkLog
from worklogs.selectors import worker_list

MONEY_OUTPUT = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY_OUTPUT)


def _table(headers: list[str], rows: list[list], empty: str = "None.") -> str:
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((c,) for c in r)),) for r in rows)
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body) if rows else empty


# --- Workers and worklogs, extended -----------------------------------------------------------


admin.site.unregister(Worker)


@admin.register(Worker)
class WorkerAdmin(worklogs_admin.WorkerAdmin):
    list_display = ["id", "name", "email", "currency", "amount", "remitted", "unremitted", "user"]

    def get_queryset(self, request):
        return worker_list().annotate(
            amount_total=Coalesce(MoneySum("worklogs__amount"), ZERO, output_field=MONEY_OUTPUT),
            remitted_total=Coalesce(MoneySum("worklogs__remitted_amount"), ZERO, output_field=MONEY_OUTPUT),
        )

    @admin.display(description="amount", ordering="amount_total")
    def amount(self, obj):
        return format_money(obj.amount_total)

    @admin.display(description="remitted", ordering="remitted_total")
    def remitted(self, obj):
        return format_money(obj.remitted_total)

    @admin.display(description="unremitted")
    def unremitted(self, obj):
        return format_money(obj.amount_total - obj.remitted_total)

    def get_fields(self, request, obj=None):
        return super().get_fields(request, obj) + (["balance"] if obj else [])

    def get_readonly_fields(self, request, obj=None):
        return super().get_readonly_fields(request, obj) + (["balance"] if obj else [])

    @admin.display(description="balance")
    def balance(self, obj):
        b = selectors.worker_balance(worker=obj)
        rows = [[k, format_money(b[k])] for k in ("unremitted", "pending", "remitted")]
        return _table(["", obj.currency], rows)

    def get_urls(self):
        view = self.admin_site.admin_view(self.statement)
        return [path("<int:pk>/statement/", view, name="worklogs_worker_statement"), *super().get_urls()]

    def statement(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return admin_views.statement_view(self, request, get_object_or_404(Worker, pk=pk))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {"statement_url": reverse("admin:worklogs_worker_statement", args=[object_id])}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


admin.site.unregister(WorkLog)


@admin.register(WorkLog)
class WorkLogAdmin(worklogs_admin.WorkLogAdmin):
    money_fields = [*worklogs_admin.WorkLogAdmin.money_fields, "remittance_history"]

    @admin.display(description="remittance history")
    def remittance_history(self, obj):
        rows = (
            Claim.objects.filter(worklog=obj)
            .values("remittance_id", "remittance__run_id", "remittance__period_end", "remittance__status")
            .annotate(amount=MoneySum("amount"), items=Count("pk"))
            .order_by("remittance_id")
        )
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
        return _table(headers, cells, empty="Never in a remittance.")


# --- Remittances --------------------------------------------------------------------------------


class RemittanceEventInline(ImmutableInline):
    model = RemittanceEvent
    fields = ["created_at", "from_status", "to_status", "reason", "provider_reference", "actor"]
    readonly_fields = fields
    show_change_link = False


@admin.register(Remittance)
class RemittanceAdmin(ImmutableAdmin):
    list_display = ["id", "worker", "period_end", "amount", "currency", "status", "run", "created_at"]
    list_filter = ["status", "period_end", "currency", ("worker", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["=id", "=worker__id", "worker__name", "provider_reference"]
    list_select_related = ["worker", "run"]
    readonly_fields = ["worklogs"]
    inlines = [RemittanceEventInline]
    actions = ["cancel", "mark_failed", "mark_paid"]

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
        return _table(["worklog", f"amount ({obj.currency})"], cells)

    def _transition(self, request, queryset, slug):
        return admin_views.transition_page(
            self,
            request,
            queryset,
            transition=admin_views.TRANSITIONS[slug],
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

    def get_urls(self):
        view = self.admin_site.admin_view(self.transition_view)
        url = path("<int:pk>/transition/<slug:slug>/", view, name="settlements_remittance_transition")
        return [url, *super().get_urls()]

    def transition_view(self, request, pk: int, slug: str):
        if not self.has_act_permission(request) or slug not in admin_views.TRANSITIONS:
            raise PermissionDenied
        remittance = get_object_or_404(Remittance, pk=pk)
        change_url = reverse("admin:settlements_remittance_change", args=[remittance.pk])
        return admin_views.transition_page(
            self,
            request,
            Remittance.objects.filter(pk=remittance.pk),
            transition=admin_views.TRANSITIONS[slug],
            hidden=[],
            on_done=lambda: HttpResponseRedirect(change_url),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        remittance = self.get_object(request, object_id)
        links = admin_views.transition_links(remittance) if remittance and self.has_act_permission(request) else []
        return super().change_view(request, object_id, form_url, {"transition_links": links, **(extra_context or {})})

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if cl is not None:
            rows = (
                cl.queryset.values("currency", "status")
                .annotate(n=Count("pk"), total=MoneySum("amount"))
                .order_by("currency", "status")
            )
            response.context_data["remittance_totals"] = [{**r, "total": format_money(r["total"])} for r in rows]
        return response


# --- Settlement runs ----------------------------------------------------------------------------


class StalledRunFilter(admin.SimpleListFilter):
    """RUNNING runs whose lease expired: the process executing them died (`selectors.runs_stalled`)."""

    title = "stalled"
    parameter_name = "stalled"

    def lookups(self, request, model_admin):
        return [("yes", "Stalled (resume them)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=selectors.runs_stalled().values("pk"))
        return queryset


@admin.register(SettlementRun)
class SettlementRunAdmin(ImmutableAdmin):
    list_display = [
        "id",
        "period_end",
        "run_status",
        "progress",
        "created_at",
        "finished_at",
        "created_by",
        "remittances",
        "totals",
    ]
    list_filter = ["status", StalledRunFilter, "period_end"]
    readonly_fields = ["run_status", "progress", "remittances", "totals"]
    actions = ["export_remittances_csv", "resume_runs"]

    @admin.display(description="status", ordering="status")
    def run_status(self, obj):
        if obj.stalled:
            return "STALLED (its process died: resume it)"
        if obj.status == RunStatus.RUNNING:
            return f"RUNNING (lease until {obj.lease_expires_at:%Y-%m-%d %H:%M:%S})"
        return obj.status

    @admin.display(description="workers done")
    def progress(self, obj):
        return f"{obj.workers_done}/{obj.workers_total}"

    @admin.action(
        description="Resume selected runs (FAILED, QUEUED or STALLED; nobody is paid twice)", permissions=["add"]
    )
    def resume_runs(self, request, queryset):
        """The API's resume: each run executes again (at once, or through `db_worker` with the database
        task backend); a COMPLETED run, or one another process is executing, is refused with a message."""
        for run in queryset.order_by("pk"):
            try:
                services.settlement_run_resumable(run=run)
            except DomainError as exc:
                self.message_user(request, f"{run}: {exc.message}", messages.ERROR)
                continue
            settlement_run_task.enqueue(run_id=run.pk)  # not in a transaction: at once, or queued for db_worker
            run.refresh_from_db()
            if run.status == RunStatus.COMPLETED:
                done = f"{run.workers_done}/{run.workers_total} workers"
                self.message_user(request, f"{run}: resumed, COMPLETED ({done}).", messages.SUCCESS)
            elif run.status == RunStatus.FAILED:
                self.message_user(request, f"{run}: resumed, FAILED again: {run.error}", messages.ERROR)
            else:
                self.message_user(request, f"{run}: handed to the background worker.", messages.INFO)

    @admin.action(description="Download the remittances as CSV (bank file)", permissions=["view"])
    def export_remittances_csv(self, request, queryset):
        runs = list(queryset.order_by("pk")[:2])
        if len(runs) != 1:
            self.message_user(request, "Select exactly one run to export.", level=messages.WARNING)
            return None
        return remittances_csv_response(run=runs[0])

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("settlements.add_settlementrun")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return admin_views.run_start_view(self, request)

    def get_queryset(self, request):
        return selectors.run_list().annotate(remittance_count=Count("remittances"))

    @admin.display(description="remittances")
    def remittances(self, obj):
        url = reverse("admin:settlements_remittance_changelist") + f"?run__id__exact={obj.pk}"
        return format_html('<a href="{}">{} remittance(s)</a>', url, obj.remittance_count)

    @admin.display(description="totals")
    def totals(self, obj):
        totals = getattr(obj, "_totals", None)
        if totals is None:
            totals = selectors.run_totals(obj)
        return ", ".join(f"{format_money(t)} {c}" for c, t in totals.items()) or "—"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if cl is not None:
            # Totals of the whole page in one query, attached to the rows the template will render.
            runs = list(cl.result_list)
            rows = (
                Remittance.objects.filter(run__in=runs)
                .values("run_id", "currency")
                .annotate(total=MoneySum("amount"))
                .order_by("run_id", "currency")
            )
            for run in runs:
                run._totals = {}
            by_pk = {run.pk: run for run in runs}
            for row in rows:
                by_pk[row["run_id"]]._totals[row["currency"]] = row["total"]
        return response


# --- Payouts that left the building ----------------------------------------------------------


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
