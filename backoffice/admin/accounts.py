"""Logins: the admin's login form with the second factor, revoking a user's API tokens, and group
membership changes attributed to whoever made them (`audit.users`)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers

from api.permissions import is_finance
from audit.models import ObjectType
from audit.users import acting_as, user_token_issue, user_tokens_revoke
from backoffice.common import AuditTrailLinkAdmin
from backoffice.second_factor.forms import SecondFactorLoginForm
from core.errors import DomainError

admin.site.login_form = SecondFactorLoginForm
admin.site.login_template = "admin/second_factor/login.html"


class AccountUserAdmin(AuditTrailLinkAdmin, UserAdmin):
    audit_object_type = ObjectType.USER
    actions = ["revoke_api_tokens", "issue_integration_token"]

    def save_related(self, request, form, formsets, change):
        # The user's groups are saved here (form.save_m2m): the trail records this request's user.
        with acting_as(request.user):
            super().save_related(request, form, formsets, change)

    @admin.action(description="Revoke all API tokens of the selected users", permissions=["change"])
    def revoke_api_tokens(self, request, queryset):
        revoked = 0
        for user in queryset.order_by("pk"):
            count = user_tokens_revoke(user=user, actor=request.user)
            self.log_change(request, user, f"Revoked all API tokens ({count}).")
            revoked += count
        self.message_user(request, f"{revoked} API token(s) revoked for {queryset.count()} user(s).", messages.SUCCESS)

    def has_issue_integration_token_permission(self, request) -> bool:
        """Finance issues integrations' tokens without the right to edit logins (which would let it
        change its own groups)."""
        return is_finance(request.user)

    @admin.action(description="Issue an API token to the selected integration", permissions=["issue_integration_token"])
    def issue_integration_token(self, request, queryset):
        """One integration at a time: its new key is shown on the page this answers, and nowhere else."""
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one integration user.", messages.ERROR)
            return None
        user = queryset.get()
        try:
            token, key = user_token_issue(user=user, actor=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        self.log_change(request, user, f"Issued an API token ({token.token_key}…).")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"API token for {user.get_username()}",
            "integration": user,
            "key": key,
        }
        response = TemplateResponse(request, "admin/auth/user/token_issued.html", context)
        add_never_cache_headers(response)
        return response


admin.site.unregister(User)
admin.site.register(User, AccountUserAdmin)
