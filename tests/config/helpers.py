"""Settings as a fresh process reads them from a given environment (nothing of this test run's)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What production must give with debug off, and nothing else.
REQUIRED = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "payroll.example.com",
    "DATABASE_URL": "postgres://worklog@db.example:5432/worklog",
}


def clean_environment(env: dict[str, str]) -> dict[str, str]:
    """Only PATH and HOME from this process (so no DJANGO_*, DATABASE_URL, REDIS_URL, ...), plus `env`."""
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), **env}


def run_python(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], env=clean_environment(env), capture_output=True, text=True, cwd=ROOT
    )


def settings_value(env: dict[str, str], expr: str) -> subprocess.CompletedProcess:
    """repr(expr) evaluated after django.setup() with config.settings."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); "
        f"from django.conf import settings; print(repr(({expr})))"
    )
    return run_python(env, code)


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], env=clean_environment(env), capture_output=True, text=True, cwd=ROOT
    )
