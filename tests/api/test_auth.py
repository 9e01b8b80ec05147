"""Who the API knows: anonymous 401, tokens for valid credentials only, 403 without a role, the browsable API."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.test import Client

from tests.support.factories import WorkLogFactory
from worklogs.services import segment_record

pytestmark = pytest.mark.django_db


def test_anonymous_request_gets_401(anon_client):
    response = anon_client.get("/api/workers/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_token_is_issued_for_valid_credentials(anon_client, finance_user):
    response = anon_client.post(
        "/api/auth/token/", {"username": finance_user.username, "password": "pass-1234"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 64  # django-rest-knox: 32 random bytes in hex
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon_client.get("/api/workers/").status_code == 200


def test_bad_credentials_get_400_and_no_token(anon_client, finance_user):
    response = anon_client.post(
        "/api/auth/token/", {"username": finance_user.username, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_authenticated_user_without_a_role_gets_403(make_client, plain_user):
    assert make_client(plain_user).get("/api/workers/").status_code == 403


def test_browsable_api_answers_html_to_a_logged_in_finance_user(finance_user):
    worklog = WorkLogFactory(hourly_rate=Decimal("45.39"))
    start = datetime(2024, 10, 7, 9, tzinfo=UTC)
    segment_record(worklog=worklog, started_at=start, ended_at=start + timedelta(minutes=10))
    client = Client()
    client.force_login(finance_user)

    response = client.get("/api/worklogs/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = unescape(response.content.decode())
    assert "<title>Work Log List \u2013 Django REST framework</title>" in page  # an en dash
    assert "<h1>Work Log List</h1>" in page
    # The same camelCase rows and money strings as the JSON answer.
    assert f'"id": {worklog.pk},' in page
    assert '"amount": "7.57",' in page
    assert '"remittanceStatus": "UNREMITTED",' in page
