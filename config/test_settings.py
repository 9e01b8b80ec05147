"""Settings for the test suite: the real settings, with test-only secrets and a fast hasher."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False}

# Test hook (settlements/services/run_checkpoints.py): pause a settlement run at a named point, so a
# crash test run in a child process can kill it there. Read here only, never in production settings.
SETTLEMENT_RUN_PAUSE_AT = os.environ.get("SETTLEMENT_RUN_PAUSE_AT", "")
SETTLEMENT_RUN_PAUSE_DIR = os.environ.get("SETTLEMENT_RUN_PAUSE_DIR", "")
