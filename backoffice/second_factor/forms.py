"""The admin's login form: username, password and, for a user with a second factor, a code."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django_otp import match_token

from backoffice.second_factor.devices import has_second_factor


class SecondFactorLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label="Authentication code",
        required=False,
        max_length=32,
        strip=True,
        help_text="From your authenticator app, or one of your recovery codes. Empty if you have none yet.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "otp_required": "Enter the code from your authenticator app, or a recovery code.",
        "otp_invalid": "That authentication code is wrong or expired.",
    }

    def clean(self):
        cleaned = super().clean()  # the password (django-axes counts a failure here) and is_staff
        user = self.get_user()
        if user is None or not has_second_factor(user=user):
            return cleaned
        token = "".join((cleaned.get("otp_token") or "").split())
        if not token:
            raise forms.ValidationError(self.error_messages["otp_required"], code="otp_required")
        device = match_token(user, token)
        if device is None:
            # A wrong code is a failed login: the lockout counts it as it counts a wrong password.
            user_login_failed.send(
                sender=type(self), credentials={"username": user.get_username()}, request=self.request
            )
            raise forms.ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
        # django_otp marks the session verified when the login completes (its user_logged_in receiver).
        user.otp_device = device  # type: ignore[attr-defined]
        return cleaned
