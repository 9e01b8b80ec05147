"""Workers and tasks: created and changed through the services; a worker's balance and statement."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from audit.models import ObjectType
from backoffice import views
from backoffice.common import AuditTrailLinkAdmin, ServiceSaveAdmin, html_table
from core.money import format_money
from settlements import selectors as settlement_selectors
from settlements.selectors.payees import HOLD_REASONS, payee_hold_reason
from worklogs import selectors, services
from worklogs.models import Task, Worker


@admin.register(Worker)
class WorkerAdmin(AuditTrailLinkAdmin, ServiceSaveAdmin):
    audit_object_type = ObjectType.WORKER
    list_display = ["id", "name", "email", "currency", "amount", "remitted", "unremitted", "user"]
    list_filter = ["currency"]
    search_fields = ["name", "email", "=external_id", "user__username"]
    raw_id_fields = ["user"]

    def get_queryset(self, request):
        return selectors.worker_list_with_totals()

    def get_readonly_fields(self, request, obj=None):
        # A worker's ledger accounts are opened in its currency, so it is fixed once created.
        return ["currency", "external_id", "created_at", "balance", "payouts_held"] if obj else []

    def get_fields(self, request, obj=None):
        shown = ["external_id", "created_at", "balance", "payouts_held"]
        return ["name", "email", "currency", "user"] + (shown if obj else [])

    @admin.display(description="payouts")
    def payouts_held(self, obj):
        """Why bank files and bank-paying gateways hold this worker's remittances (README "Payouts")."""
        reason = payee_hold_reason(worker_id=obj.pk)
        if reason is None:
            return "Bank details confirmed: payouts may leave."
        return f"Held: {HOLD_REASONS[reason]}."

    def save_model(self, request, obj, form, change):
        # Django's change form then writes the LogEntry (History) naming the fields it changed.
        if change:  # who is paid and which login sees it: recorded by the service
            services.worker_update(worker=obj, name=obj.name, email=obj.email, user=obj.user, actor=request.user)
            return
        created = services.worker_create(
            name=obj.name,
            email=obj.email,
            currency=obj.currency,
            user=obj.user,
            external_id=obj.external_id,
            actor=request.user,
        )
        obj.pk = created.pk

    @admin.display(description="amount", ordering="amount_total")
    def amount(self, obj):
        return format_money(obj.amount_total)

    @admin.display(description="remitted", ordering="remitted_total")
    def remitted(self, obj):
        return format_money(obj.remitted_total)

    @admin.display(description="unremitted")
    def unremitted(self, obj):
        return format_money(obj.amount_total - obj.remitted_total)

    @admin.display(description="balance")
    def balance(self, obj):
        b = settlement_selectors.worker_balance(worker=obj)
        rows = []
        for k in ("unremitted", "pending", "remitted"):  # a loop: mypy then reads k as a literal key
            rows.append([k, format_money(b[k])])
        return html_table(["", obj.currency], rows)

    def get_urls(self):
        view = self.admin_site.admin_view(self.statement)
        return [path("<int:pk>/statement/", view, name="worklogs_worker_statement"), *super().get_urls()]

    def statement(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return views.statement_view(self, request, get_object_or_404(Worker, pk=pk))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {"statement_url": reverse("admin:worklogs_worker_statement", args=[object_id])}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


@admin.register(Task)
class TaskAdmin(ServiceSaveAdmin):
    list_display = ["id", "title", "external_id", "created_at"]
    search_fields = ["title", "=external_id"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        obj.pk = services.task_create(title=obj.title, external_id=obj.external_id or None).pk
