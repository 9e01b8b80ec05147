"""The ledger in the admin: accounts, journal entries and postings, read-only for everyone.

Also the two building blocks every money admin of the project uses (ledger is the root of the app
graph, so worklogs and settlements may import them):
- `ImmutableAdmin`: money rows are shown, never added, edited or deleted here; a delete URL answers
  403 whoever asks, superusers included.
- `service_form_page`: the one confirmation/form page through which every admin write goes. It
  calls a service, and turns a refused request (`DomainError`) into a message, never a traceback.
"""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.template.response import TemplateResponse

from core.errors import DomainError
from ledger.models import Account, JournalEntry, Posting


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
    modeladmin: admin.ModelAdmin, request, queryset: QuerySet, call: Callable, *, done: str
) -> tuple[int, int]:
    """Call a service once per row (each in its own transaction), reporting refusals as messages."""
    ok = refused = 0
    for obj in queryset.order_by("pk"):
        try:
            call(obj)
        except DomainError as exc:
            refused += 1
            modeladmin.message_user(request, domain_message(exc, f"{obj}: "), messages.ERROR)
        else:
            ok += 1
    if ok:
        modeladmin.message_user(request, f"{ok} {done}.", messages.SUCCESS)
    return ok, refused


def action_hidden_fields(request, queryset: QuerySet) -> list[tuple[str, str]]:
    """What a changelist action's confirmation page posts back so Django calls the action again."""
    fields = [("action", request.POST.get("action", ""))]
    fields += [(admin.helpers.ACTION_CHECKBOX_NAME, str(pk)) for pk in queryset.values_list("pk", flat=True)]
    if request.POST.get("select_across"):
        fields.append(("select_across", "1"))
    return fields


class PostingInline(ImmutableInline):
    model = Posting
    fields = ["account", "amount", "currency"]
    readonly_fields = fields
    show_change_link = False


@admin.register(Account)
class AccountAdmin(ImmutableAdmin):
    list_display = ["code", "kind", "currency", "party", "name"]
    list_filter = ["kind", "currency"]
    search_fields = ["code", "name", "=party"]


@admin.register(JournalEntry)
class JournalEntryAdmin(ImmutableAdmin):
    list_display = ["id", "created_at", "cause", "reference", "party", "memo"]
    list_filter = ["cause"]
    search_fields = ["=party", "reference", "memo"]
    date_hierarchy = "created_at"
    inlines = [PostingInline]


@admin.register(Posting)
class PostingAdmin(ImmutableAdmin):
    list_display = ["id", "entry", "account", "amount", "currency"]
    list_filter = ["currency", "account__kind"]
    search_fields = ["=account__party", "account__code"]
    list_select_related = ["entry", "account"]
