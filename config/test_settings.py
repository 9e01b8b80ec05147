"""Settings for the test suite: the real settings (debug off), with generated secrets and a fast hasher."""

import os
import secrets

from config.env import env_str

# Debug stays off, as in production, so the tests run the settings that ship. The three variables
# production must give are filled in when missing: a random key, the test client's hosts, and the
# embedded SQLite file (pytest-django builds its test database from it).
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
if not env_str("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{os.path.join(os.path.dirname(os.path.dirname(__file__)), 'db.sqlite3')}"
# The live server of the browser tests speaks plain HTTP; the second factor is switched on per test.
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("ADMIN_REQUIRE_2FA", "0")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False}
LOG_CAPTURE_WARNINGS = False  # pytest reports warnings itself
# /metrics reads the figures afresh on every scrape, so a test sees what it just wrote.
METRICS_FIGURES_CACHE_SECONDS = 0

# Test hook (settlements/services/run_checkpoints.py): pause a settlement run at a named point, so a
# crash test run in a child process can kill it there. Read here only, never in production settings.
SETTLEMENT_RUN_PAUSE_AT = os.environ.get("SETTLEMENT_RUN_PAUSE_AT", "")
SETTLEMENT_RUN_PAUSE_DIR = os.environ.get("SETTLEMENT_RUN_PAUSE_DIR", "")
