"""Logins: the admin's login form with the second factor, revoking a user's API tokens, and group
membership changes attributed to whoever made them (`audit.users`)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from audit.models import ObjectType
from audit.users import acting_as, user_tokens_revoke
from backoffice.common import AuditTrailLinkAdmin
from backoffice.second_factor.forms import SecondFactorLoginForm

admin.site.login_form = SecondFactorLoginForm
admin.site.login_template = "admin/second_factor/login.html"


class AccountUserAdmin(AuditTrailLinkAdmin, UserAdmin):
    audit_object_type = ObjectType.USER
    actions = ["revoke_api_tokens"]

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


admin.site.unregister(User)
admin.site.register(User, AccountUserAdmin)
