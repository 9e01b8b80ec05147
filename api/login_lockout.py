"""Brute force on the two login paths (the admin's and `POST /api/auth/token/`) stops at a lockout.

django-axes counts failed logins per username and client address in the database (shared by every
gunicorn worker) and, past `AXES_FAILURE_LIMIT`, refuses that pair before any password is checked
(`LockoutBackend`, first in AUTHENTICATION_BACKENDS); `axes.middleware.AxesMiddleware` then answers
with `lockout_response`: 403, JSON on the API, a page in the admin. The same username from another
address still logs in, so an attacker cannot lock a user out of everywhere.
"""

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

LOCKED_OUT = (
    "Too many failed logins for this username from this address: login is locked. "
    "Try again later, or ask an administrator to unlock it."
)


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check, for logins that come with a request.

    A login without one (`manage.py changepassword`, a shell, `authenticate()` in a test) does not come
    from the network, so there is no address to count against: it is left to the next backend
    instead of failing as axes' own backend does.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": LOCKED_OUT, "code": "locked_out"}, status=403)
    return render(request, "registration/locked_out.html", {"message": LOCKED_OUT}, status=403)
