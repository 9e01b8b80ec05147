"""The building blocks every page of the back office uses.

- `ImmutableAdmin`: money rows are shown, never added, edited or deleted here; a delete URL answers
  403 whoever asks, superusers included.
- `service_form_page`: the one confirmation/form page through which every admin write goes. It
  calls a service, and turns a refused request (`DomainError`) into a message, never a traceback.
- Every write made through a page or action is also written to the object's admin History
  (`ModelAdmin.log_change` / `log_addition`); the audit trail (`audit`) is written by the services.
"""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from core.errors import DomainError
from core.money import format_money


class ImmutableAdmin(admin.ModelAdmin):
    """Read-only and undeletable for everyone. Writes go through actions that call services."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ImmutableInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def domain_message(exc: DomainError, prefix: str = "") -> str:
    return f"{prefix}{exc.message}"


def form_error_from(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on the form: on its field when the form has one, else on top."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def service_form_page(
    modeladmin: admin.ModelAdmin,
    request,
    *,
    title: str,
    form: forms.Form,
    submit_label: str,
    hidden: Iterable[tuple[str, str]] = (),
    table: dict | None = None,
    notes: Iterable[str] = (),
    submit_name: str = "apply",
) -> TemplateResponse:
    """Render `admin/service_form.html`: a form, an optional table of what it will do, a submit."""
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": opts,
        "app_label": opts.app_label,
        "form": form,
        "hidden": list(hidden),
        "table": table,
        "notes": list(notes),
        "submit_label": submit_label,
        "submit_name": submit_name,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "admin/service_form.html", context)


def apply_to_each(
    modeladmin: admin.ModelAdmin, request, queryset: QuerySet, call: Callable, *, done: str, history: str
) -> tuple[int, int]:
    """Call a service once per row (each in its own transaction), reporting refusals as messages;
    each row changed gets `history` in its admin History (LogEntry), under the request's user."""
    ok = refused = 0
    for obj in queryset.order_by("pk"):
        try:
            changed = call(obj)
        except DomainError as exc:
            refused += 1
            modeladmin.message_user(request, domain_message(exc, f"{obj}: "), messages.ERROR)
        else:
            ok += 1
            # The row as the service left it (its new status in the History's name of it).
            modeladmin.log_change(request, changed if isinstance(changed, type(obj)) else obj, history)
    if ok:
        modeladmin.message_user(request, f"{ok} {done}.", messages.SUCCESS)
    return ok, refused


def action_hidden_fields(request, queryset: QuerySet) -> list[tuple[str, str]]:
    """What a changelist action's confirmation page posts back so Django calls the action again."""
    fields = [("action", request.POST.get("action", ""))]
    fields += [(helpers.ACTION_CHECKBOX_NAME, str(pk)) for pk in queryset.values_list("pk", flat=True)]
    if request.POST.get("select_across"):
        fields.append(("select_across", "1"))
    return fields


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


class AuditTrailLinkAdmin(admin.ModelAdmin):
    """A change page with a link to the object's events in the audit trail (for who may read it)."""

    audit_object_type = ""  # audit.models.ObjectType

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {}
        if request.user.has_perm("audit.view_auditevent"):
            query = urlencode({"object_type": self.audit_object_type, "object_id": object_id})
            extra["audit_trail_url"] = f"{reverse('admin:audit_auditevent_changelist')}?{query}"
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


def html_table(headers: list[str], rows: list[list], empty: str = "None.") -> str:
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((c,) for c in r)),) for r in rows)
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body) if rows else empty
