"""Finance's second factor in the admin (django-otp): enrolment at first login, codes, recovery codes.

The browser walk through the same pages is tests/backoffice/test_browser_2fa.py.
"""

import re
from html import unescape

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.second_factor.devices import RECOVERY_CODE_COUNT
from tests.backoffice.second_factor_helpers import code_from_secret
from tests.support.factories import FinanceUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234"
SETUP = "/admin/second-factor/"


@pytest.fixture
def required(settings):
    settings.ADMIN_REQUIRE_2FA = True
    # django-otp also delays a device's next check after a wrong code (1 s, doubling each time);
    # these tests type a right code right after a wrong one, so that delay is off here.
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0


def login(user, otp_token: str = "") -> tuple[Client, object]:
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": user.username, "password": PASSWORD, "otp_token": otp_token},
        REMOTE_ADDR="198.51.100.20",
    )
    return client, response


def secret_on(page) -> str:
    return re.search(r'id="second-factor-secret">([A-Z2-7]+)<', page.content.decode()).group(1)


def enrol(client) -> tuple[str, list[str]]:
    """Walks the enrolment page; returns the secret and the recovery codes shown."""
    page = client.get(f"{SETUP}?next=/admin/")
    secret = secret_on(page)
    done = client.post(f"{SETUP}?next=/admin/", {"otp_token": code_from_secret(secret), "next": "/admin/"})
    assert done.status_code == 200, done.content
    codes = re.findall(r"<li><code>([^<]+)</code></li>", done.content.decode())
    return secret, codes


def test_a_finance_user_without_a_device_is_led_to_enrol_at_first_login(required):
    user = FinanceUserFactory()
    client, response = login(user)
    assert response.status_code == 302 and response["Location"] == "/admin/"

    blocked = client.get("/admin/")
    assert blocked.status_code == 302
    assert blocked["Location"] == f"{SETUP}?next=%2Fadmin%2F"
    assert client.get("/admin/worklogs/worklog/").status_code == 302

    page = client.get(blocked["Location"])
    assert page.status_code == 200
    assert "<svg" in page.content.decode()  # the QR code, drawn locally
    secret = secret_on(page)
    wrong = client.post(SETUP, {"otp_token": "000000", "next": "/admin/"})
    assert "That code does not match" in unescape(wrong.content.decode())
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()

    done = client.post(SETUP, {"otp_token": code_from_secret(secret), "next": "/admin/"})
    codes = re.findall(r"<li><code>([^<]+)</code></li>", done.content.decode())
    assert len(codes) == RECOVERY_CODE_COUNT == len(set(codes))
    assert TOTPDevice.objects.get(user=user, confirmed=True)
    assert client.get("/admin/").status_code == 200  # this session is now verified


def test_after_enrolment_the_login_asks_for_the_code(required):
    user = FinanceUserFactory()
    client, _ = login(user)
    secret, _ = enrol(client)

    _, no_code = login(user)
    assert no_code.status_code == 200
    assert "Enter the code from your authenticator app" in unescape(no_code.content.decode())
    _, wrong = login(user, "123456")
    assert "That authentication code is wrong or expired." in unescape(wrong.content.decode())

    client, response = login(user, code_from_secret(secret, steps_ahead=1))
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_logs_in_once(required):
    user = FinanceUserFactory()
    client, _ = login(user)
    _, codes = enrol(client)

    client, response = login(user, codes[0])
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    _, again = login(user, codes[0])
    assert again.status_code == 200  # the form again: that code is spent
    assert StaticToken.objects.filter(device__user=user).count() == RECOVERY_CODE_COUNT - 1


def test_wrong_codes_count_towards_the_lockout(required):
    user = FinanceUserFactory()
    client, _ = login(user)
    secret, _ = enrol(client)
    for _ in range(9):
        login(user, "999999")
    assert AccessAttempt.objects.get(username=user.username).failures_since_start == 9
    _, locked = login(user, "999999")
    assert locked.status_code == 403
    _, still_locked = login(user, code_from_secret(secret, steps_ahead=1))
    assert still_locked.status_code == 403


def test_a_session_opened_without_the_code_is_sent_back_to_log_in(required):
    user = FinanceUserFactory()
    client, _ = login(user)
    enrol(client)
    stale = Client()
    stale.force_login(user)  # e.g. a session from before the requirement was switched on

    response = stale.get("/admin/worklogs/worklog/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert stale.get(SETUP).status_code == 302  # and cannot replace the device without it


def test_staff_outside_finance_are_not_required_to_enrol(required):
    clerk = UserFactory(is_staff=True)
    client, response = login(clerk)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_without_the_requirement_finance_logs_in_with_the_password(settings):
    assert settings.ADMIN_REQUIRE_2FA is False  # tests and `make run`, unless set
    client, response = login(FinanceUserFactory())
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_verified_user_renews_the_recovery_codes(required):
    user = FinanceUserFactory()
    client, _ = login(user)
    _, first = enrol(client)
    assert "Two-factor authentication is on" in client.get(SETUP).content.decode()

    renewed = client.post("/admin/second-factor/recovery-codes/", {"next": "/admin/"})
    second = re.findall(r"<li><code>([^<]+)</code></li>", renewed.content.decode())

    assert len(second) == RECOVERY_CODE_COUNT and not set(first) & set(second)
    assert login(user, first[1])[1].status_code == 200  # the old codes stopped working
    assert login(user, second[1])[1].status_code == 302
