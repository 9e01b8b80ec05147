"""The plumbing: settings from the environment, auth, schema and docs without network assets."""

import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from tests.factories import WorkLogFactory
from worklogs.services import segment_record

pytestmark = pytest.mark.django_db


def _settings_in_subprocess(env: dict, expr: str) -> subprocess.CompletedProcess:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); "
        f"from django.conf import settings; print(repr(({expr})))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, cwd=settings.BASE_DIR
    )


def test_sqlite_pragmas_are_applied_for_concurrent_use(tmp_path):
    # Always checked on a real SQLite connection, whichever database this test run uses.
    probe = (
        "[__import__('django.db', fromlist=['connection']).connection.cursor().execute(q).fetchone()[0] "
        "for q in ('PRAGMA journal_mode', 'PRAGMA busy_timeout', 'PRAGMA foreign_keys', 'PRAGMA synchronous')]"
    )
    result = _settings_in_subprocess({"DJANGO_DEBUG": "1"}, probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['wal', 30000, 1, 1]"
    result = _settings_in_subprocess(
        {"DJANGO_DEBUG": "1"}, "settings.DATABASES['default']['OPTIONS']['transaction_mode']"
    )
    assert result.stdout.strip() == "'IMMEDIATE'"


def test_database_url_is_honoured():
    result = _settings_in_subprocess(
        {"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://alice:pw@db.example:6543/payroll"},
        "[settings.DATABASES['default'][key] for key in ('ENGINE', 'NAME', 'PORT')]",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['django.db.backends.postgresql', 'payroll', 6543]"


def test_default_database_is_an_sqlite_file_in_the_project():
    result = _settings_in_subprocess({"DJANGO_DEBUG": "1"}, "settings.DATABASES['default']['NAME']")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(str(settings.BASE_DIR / "db.sqlite3"))


def test_secret_key_is_required_when_debug_is_off():
    result = _settings_in_subprocess({"DJANGO_DEBUG": "0"}, "settings.SECRET_KEY")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


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


def test_openapi_schema_is_served(anon_client):
    response = anon_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/generate-remittances-for-all-users" in {p.rstrip("/") for p in paths} or any(
        p.startswith("/generate-remittances-for-all-users") for p in paths
    )
    assert any(p.startswith("/list-all-worklogs") for p in paths)


def test_docs_page_uses_only_local_assets():
    response = Client().get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    for line in html.splitlines():
        if "src=" in line or "href=" in line:
            assert "http://" not in line and "https://" not in line and "//cdn" not in line, line


def test_swagger_assets_are_served_locally():
    html = Client().get("/docs").content.decode()
    import re

    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert assets, html
    for asset in assets:
        assert Client().get(asset).status_code == 200, asset


def test_createsuperuser_noinput_takes_its_credentials_from_the_environment(monkeypatch, anon_client):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "boss")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-Passphrase-2024")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "boss@example.com")

    call_command("createsuperuser", interactive=False, stdout=io.StringIO())

    user = User.objects.get(username="boss")
    assert (user.email, user.is_superuser, user.is_staff, user.is_active) == ("boss@example.com", True, True, True)
    assert authenticate(username="boss", password="a-long-Passphrase-2024") == user
    assert authenticate(username="boss", password="wrong") is None
    # A superuser is finance staff: its token reaches the API.
    token = anon_client.post("/api/auth/token/", {"username": "boss", "password": "a-long-Passphrase-2024"}).json()
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    assert anon_client.get("/api/workers/").status_code == 200


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
