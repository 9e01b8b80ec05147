"""With ADMIN_REQUIRE_2FA, finance staff use the admin only in a session verified by a second factor."""

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from api.permissions import is_finance
from backoffice.second_factor.devices import has_second_factor


class AdminSecondFactorMiddleware:
    """Every admin page but login, logout and enrolment: a finance user whose session is not
    verified is led to enrol (no device yet) or to log in again with the code (a session that was
    opened without it). Needs django_otp's OTPMiddleware before it (`request.user.is_verified`)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._paths: tuple[str, frozenset[str]] | None = None  # resolved on first use (URLconf loaded)

    def __call__(self, request):
        if settings.ADMIN_REQUIRE_2FA and self._must_verify(request):
            user = request.user
            if has_second_factor(user=user):
                logout(request)
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
            return redirect(f"{reverse('second-factor-setup')}?{query}")
        return self.get_response(request)

    def _must_verify(self, request) -> bool:
        if self._paths is None:
            open_pages = frozenset(reverse(name) for name in ("admin:login", "admin:logout", "second-factor-setup"))
            self._paths = (reverse("admin:index"), open_pages)
        admin_root, open_pages = self._paths
        if not request.path.startswith(admin_root) or request.path in open_pages:
            return False
        user = request.user
        return user.is_authenticated and user.is_staff and not user.is_verified() and is_finance(user)
