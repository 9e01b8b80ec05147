"""Logins: the admin's login form with the second factor, and revoking a user's API tokens."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from api.tokens import tokens_revoke_for_user
from backoffice.second_factor.forms import SecondFactorLoginForm

admin.site.login_form = SecondFactorLoginForm
admin.site.login_template = "admin/second_factor/login.html"


class AccountUserAdmin(UserAdmin):
    actions = ["revoke_api_tokens"]

    @admin.action(description="Revoke all API tokens of the selected users", permissions=["change"])
    def revoke_api_tokens(self, request, queryset):
        revoked = sum(tokens_revoke_for_user(user=user, actor=request.user) for user in queryset)
        self.message_user(request, f"{revoked} API token(s) revoked for {queryset.count()} user(s).", messages.SUCCESS)


admin.site.unregister(User)
admin.site.register(User, AccountUserAdmin)
