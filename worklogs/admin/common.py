"""Pieces shared by the worklogs admin pages."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from core.errors import DomainError
from core.money import format_money


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
