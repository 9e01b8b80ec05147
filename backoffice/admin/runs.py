"""Settlement runs: started through a preview page (`backoffice.views.run_start_view`), exported
as the bank CSV; read-only money rows otherwise."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html

from audit.models import ObjectType
from backoffice import views
from backoffice.attention import attention_filter
from backoffice.common import AuditTrailLinkAdmin, ImmutableAdmin, action_hidden_fields, apply_to_each
from core.errors import DomainError
from core.money import format_money
from settlements import selectors
from settlements.api.exports import remittances_csv_response
from settlements.models import APPROVAL_STATES, RunStatus, SettlementRun
from settlements.services import settlement_run_check_export, settlement_run_resumable
from settlements.services.sepa_files import NothingPayable, sepa_file_create
from settlements.tasks import settlement_run_approve_then_submit, settlement_run_task


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


class ApprovalFilter(admin.SimpleListFilter):
    """Four-eyes approval state (`selectors.runs_by_approval`, as the API's `?approval=`)."""

    title = "approval"
    parameter_name = "approval"

    def lookups(self, request, model_admin):
        return [(state, state.replace("_", " ")) for state in APPROVAL_STATES]

    def queryset(self, request, queryset):
        state = self.value()
        if state in APPROVAL_STATES:
            return selectors.runs_by_approval(queryset, state=state)
        return queryset


@admin.register(SettlementRun)
class SettlementRunAdmin(AuditTrailLinkAdmin, ImmutableAdmin):
    audit_object_type = ObjectType.SETTLEMENT_RUN
    list_display = [
        "id",
        "period_end",
        "run_status",
        "progress",
        "created_at",
        "finished_at",
        "created_by",
        "approval",
        "remittances",
        "totals",
    ]
    list_filter = [attention_filter(SettlementRun), "status", ApprovalFilter, StalledRunFilter, "period_end"]
    readonly_fields = ["run_status", "progress", "approval", "remittances", "totals"]
    actions = ["approve_runs", "reject_runs", "create_sepa_file", "export_remittances_csv", "resume_runs"]

    @admin.display(description="approval")
    def approval(self, obj):
        if obj.approved_at is not None:
            return f"approved by {obj.approved_by} at {obj.approved_at:%Y-%m-%d %H:%M}"
        if obj.rejected_at is not None:
            return f"rejected by {obj.rejected_by}: {obj.rejection_reason}"
        if obj.approval_required:
            return "awaiting approval (by a finance user other than its creator)"
        return "not required"

    @admin.action(description="Approve selected runs (four eyes: their payouts are sent)", permissions=["add"])
    def approve_runs(self, request, queryset):
        """The API's approve: refused with a message for the run's creator or a run not awaiting approval."""
        apply_to_each(
            self,
            request,
            queryset,
            lambda run: settlement_run_approve_then_submit(run=run, actor=request.user),
            done="run(s) approved, their payouts sent",
            history="Approved.",
        )

    @admin.action(description="Reject selected runs (cancel their PENDING remittances)", permissions=["add"])
    def reject_runs(self, request, queryset):
        return views.run_reject_page(self, request, queryset, hidden=action_hidden_fields(request, queryset))

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
                settlement_run_resumable(run=run)
            except DomainError as exc:
                self.message_user(request, f"{run}: {exc.message}", messages.ERROR)
                continue
            settlement_run_task.enqueue(run_id=run.pk)  # not in a transaction: at once, or queued for db_worker
            run.refresh_from_db()
            if run.status == RunStatus.COMPLETED:
                outcome = f"resumed, COMPLETED ({run.workers_done}/{run.workers_total} workers)."
                level = messages.SUCCESS
            elif run.status == RunStatus.FAILED:
                outcome, level = f"resumed, FAILED again: {run.error}", messages.ERROR
            else:
                outcome, level = "resumed: handed to the background worker.", messages.INFO
            self.log_change(request, run, outcome[0].upper() + outcome[1:])
            self.message_user(request, f"{run}: {outcome}", level)

    @admin.action(description="Create the next SEPA credit-transfer file (approved runs)", permissions=["add"])
    def create_sepa_file(self, request, queryset):
        """The API's `POST /api/settlement-runs/{id}/sepa-files/` for one run: the file is then on its
        SEPA file page (download, transfers, what was left out and why); a refusal is a message."""
        run = self._one_run(request, queryset, "to create its SEPA file")
        if run is None:
            return
        try:
            result = sepa_file_create(run=run, actor=request.user)
        except NothingPayable as exc:
            self.message_user(request, f"{exc.message} Left out: {len(exc.excluded)}.", level=messages.ERROR)
            return
        except DomainError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return
        sepa_file = result.file
        self.log_change(request, run, f"SEPA file {sepa_file.message_id} created.")
        url = reverse("admin:settlements_sepafile_change", args=[sepa_file.pk])
        self.message_user(
            request,
            format_html(
                'SEPA file <a href="{}">{}</a>: {} transfer(s), {} {}; {} remittance(s) left out.',
                url,
                sepa_file.message_id,
                sepa_file.transaction_count,
                format_money(sepa_file.control_sum),
                sepa_file.currency,
                len(result.excluded),
            ),
            messages.SUCCESS,
        )

    @admin.action(description="Download the remittances as CSV (bank file)", permissions=["view"])
    def export_remittances_csv(self, request, queryset):
        run = self._one_run(request, queryset, "to export")
        if run is None:
            return None
        try:
            settlement_run_check_export(run=run)
        except DomainError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return None
        return remittances_csv_response(run=run)

    def _one_run(self, request, queryset, purpose: str) -> SettlementRun | None:
        """The one run an action for a single run was given; None, with a warning, for any other count."""
        runs = list(queryset.order_by("pk")[:2])
        if len(runs) != 1:
            self.message_user(request, f"Select exactly one run {purpose}.", level=messages.WARNING)
            return None
        return runs[0]

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("settlements.add_settlementrun")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return views.run_start_view(self, request)

    def get_queryset(self, request):
        return selectors.run_list()

    @admin.display(description="remittances")
    def remittances(self, obj):
        url = reverse("admin:settlements_remittance_changelist") + f"?run__id__exact={obj.pk}"
        return format_html('<a href="{}">{} remittance(s)</a>', url, self._summary(obj)[0])

    @admin.display(description="totals")
    def totals(self, obj):
        totals = self._summary(obj)[1]
        return ", ".join(f"{format_money(t)} {c}" for c, t in totals.items()) or "—"

    def _summary(self, run) -> tuple[int, dict]:
        """(remittance count, {currency: total}): read for the whole page by `changelist_view`."""
        summary = getattr(run, "_summary", None)
        if summary is None:  # a run's own page
            summary = selectors.runs_summaries(run_ids=[run.pk])[run.pk]
        return summary

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if cl is not None:
            # Counts and totals of the whole page in one query (the selector the API's runs list uses).
            runs = list(cl.result_list)
            summaries = selectors.runs_summaries(run_ids=[run.pk for run in runs])
            for run in runs:
                run._summary = summaries[run.pk]
        return response
