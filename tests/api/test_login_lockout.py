"""Brute force stops: a lockout per username and client address on both login paths (django-axes).

The login budget per address (api.throttling) is raised in these tests so that only the lockout is
at work; tests/api/test_throttling.py covers the budget itself.
"""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from rest_framework.test import APIClient

from tests.support.factories import FinanceUserFactory

pytestmark = pytest.mark.django_db

ATTACKER, OFFICE = "203.0.113.7", "198.51.100.20"
PASSWORD = "pass-1234"


@pytest.fixture(autouse=True)
def _only_the_lockout(settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login": "1000/min"}
    assert settings.AXES_FAILURE_LIMIT == 10


def token_request(username: str, password: str, address: str, **headers):
    return APIClient().post(
        "/api/auth/token/", {"username": username, "password": password}, format="json", REMOTE_ADDR=address, **headers
    )


def admin_login(username: str, password: str, address: str) -> tuple[Client, object]:
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address
    )
    return client, response


def test_thirty_failures_lock_the_token_endpoint_for_that_address_only():
    user = FinanceUserFactory()
    statuses = [token_request(user.username, f"guess-{n}", ATTACKER).status_code for n in range(30)]

    assert statuses == [400] * 9 + [403] * 21
    locked = token_request(user.username, PASSWORD, ATTACKER)
    assert locked.status_code == 403
    assert locked.json()["code"] == "locked_out"
    assert "Too many failed logins" in locked.json()["detail"]
    assert "token" not in locked.json()

    elsewhere = token_request(user.username, PASSWORD, OFFICE)
    assert elsewhere.status_code == 200 and elsewhere.json()["token"]


def test_thirty_failures_lock_the_admin_login_for_that_address_only():
    user = FinanceUserFactory()
    statuses = [admin_login(user.username, f"guess-{n}", ATTACKER)[1].status_code for n in range(30)]

    assert statuses == [200] * 9 + [403] * 21  # 200: the form again, with its error
    _, locked = admin_login(user.username, PASSWORD, ATTACKER)
    assert locked.status_code == 403
    assert "Too many failed logins" in locked.content.decode()

    client, response = admin_login(user.username, PASSWORD, OFFICE)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_both_paths_count_the_same_failures():
    user = FinanceUserFactory()
    for n in range(5):
        token_request(user.username, f"guess-{n}", ATTACKER)
        admin_login(user.username, f"guess-{n}", ATTACKER)
    attempt = AccessAttempt.objects.get(username=user.username, ip_address=ATTACKER)
    assert attempt.failures_since_start == 10
    assert token_request(user.username, PASSWORD, ATTACKER).status_code == 403


def test_another_username_from_the_locked_address_still_logs_in():
    victim, colleague = FinanceUserFactory(), FinanceUserFactory()
    for n in range(10):
        token_request(victim.username, f"guess-{n}", ATTACKER)
    assert token_request(colleague.username, PASSWORD, ATTACKER).status_code == 200


def test_a_success_before_the_limit_resets_the_count():
    user = FinanceUserFactory()
    for n in range(9):
        token_request(user.username, f"guess-{n}", ATTACKER)
    assert token_request(user.username, PASSWORD, ATTACKER).status_code == 200
    assert token_request(user.username, "one-more-typo", ATTACKER).status_code == 400


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_counted(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = FinanceUserFactory()
    proxy = "10.0.0.2"
    for n in range(10):
        # Whatever a client writes before the proxy's own entry is ignored.
        spoofed = f"192.0.2.{n}, {ATTACKER}"
        token_request(user.username, f"guess-{n}", proxy, HTTP_X_FORWARDED_FOR=spoofed)

    assert AccessAttempt.objects.get(username=user.username).ip_address == ATTACKER
    assert token_request(user.username, PASSWORD, proxy, HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 403
    assert token_request(user.username, PASSWORD, proxy, HTTP_X_FORWARDED_FOR=OFFICE).status_code == 200


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    user = FinanceUserFactory()
    for n in range(10):
        token_request(user.username, f"guess-{n}", ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert token_request(user.username, PASSWORD, ATTACKER, HTTP_X_FORWARDED_FOR=OFFICE).status_code == 403
