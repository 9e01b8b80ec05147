"""What the transport settings do to real responses: HSTS on HTTPS seen through the proxy, secure cookies."""

import pytest
from django.test import Client

from tests.support.factories import FinanceUserFactory

pytestmark = pytest.mark.django_db


def test_hsts_is_sent_when_the_proxy_says_the_request_was_https(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31_536_000
    client = Client()

    secure = client.get("/admin/login/", HTTP_X_FORWARDED_PROTO="https")
    plain = client.get("/admin/login/")

    assert secure["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in plain
    assert secure["X-Frame-Options"] == "DENY"
    assert secure["X-Content-Type-Options"] == "nosniff"


def test_secure_cookies_are_marked_secure(settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    user = FinanceUserFactory()
    client = Client()
    page = client.get("/admin/login/")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": "pass-1234"}, secure=True
    )

    assert page.cookies["csrftoken"]["secure"] is True
    assert response.cookies["sessionid"]["secure"] is True
    assert response.cookies["sessionid"]["httponly"] is True
