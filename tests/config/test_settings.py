"""Settings from the environment: the database (URL, SQLite pragmas), the secret key, the first superuser."""

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command

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
