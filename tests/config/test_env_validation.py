"""Every setting read from the environment is validated at start: a bad value stops every process
(manage.py commands, gunicorn) with one line naming the variable, never a traceback (config/env.py)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.config.helpers import REQUIRED, ROOT, clean_environment, manage, run_python

# (variable, bad value): at least one of each kind of parser.
BAD_VALUES = [
    ("SETTLEMENT_CHUNK_SIZE", "abc"),
    ("SETTLEMENT_PARALLELISM", "0"),
    ("SETTLEMENT_RUN_LEASE_SECONDS", "1.5"),
    ("SEGMENT_MAX_CLOCK_SKEW_SECONDS", "-1"),
    ("DJANGO_CONN_MAX_AGE", "forever"),
    ("DJANGO_CONN_HEALTH_CHECKS", "maybe"),
    ("DATABASE_CONNECT_TIMEOUT", "0"),
    ("DATABASE_POOLER", "pgpool"),
    ("DATABASE_URL", "mysqlx://db/worklog"),
    ("TIME_ZONE", "Mars/Olympus_Mons"),
    ("DJANGO_LOG_LEVEL", "LOUD"),
    ("TASKS_BACKEND", "celery"),
    ("SETTLEMENT_FAN_OUT", "sometimes"),
    ("PAYOUT_WEBHOOK_TOLERANCE_SECONDS", "5m"),
    ("PAYOUT_SIMULATED_FAILURE_RATE", "2"),
    ("PAYOUT_SIMULATED_FAILURE_RATE", "NaN"),
    ("PAYOUT_SIMULATED_REPORT_DELAY_SECONDS", "soon"),
    ("PAYOUT_SIMULATED_WEBHOOK_BASE_URL", "localhost:8000"),
    ("REDIS_URL", "localhost:6379"),
    ("METRICS_ALLOWED_NETWORKS", "10.0.0.0/33"),
    ("METRICS_FIGURES_CACHE_SECONDS", "often"),
    ("READY_MAX_QUEUED_TASK_AGE_SECONDS", "0"),
    ("SCHEDULE_PAYOUT_SWEEP", "every five minutes"),
    ("SCHEDULE_SETTLEMENT_RUN", "0 2 1 * * *"),
    ("SCHEDULER_TICK_SECONDS", "0"),
    ("IDEMPOTENCY_KEY_RETENTION_DAYS", "a month"),
    ("TASK_RESULT_RETENTION_DAYS", "0"),
]

# Each bad value is tried in a fresh import of the settings, all in one child process.
PROBE = """
import importlib, json, os, sys
from django.core.exceptions import ImproperlyConfigured
results = []
for name, value in json.loads(sys.argv[1]):
    before = os.environ.get(name)
    os.environ[name] = value
    for module in ("config.settings", "config.security", "config.operations"):
        sys.modules.pop(module, None)
    try:
        importlib.import_module("config.settings")
        results.append(None)
    except ImproperlyConfigured as exc:
        results.append(str(exc))
    os.environ.pop(name) if before is None else os.environ.update({name: before})
print(json.dumps(results))
"""


def test_each_bad_value_is_refused_with_a_message_naming_its_variable():
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(BAD_VALUES)],
        env=clean_environment(REQUIRED),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    messages = json.loads(result.stdout)
    for (name, value), message in zip(BAD_VALUES, messages, strict=True):
        assert message is not None, f"{name}={value!r} was accepted"
        assert message.startswith(f"{name} "), message
        assert "\n" not in message


def test_the_good_values_are_read():
    env = {
        **REQUIRED,
        "SETTLEMENT_CHUNK_SIZE": "250",
        "DJANGO_CONN_MAX_AGE": "60",
        "DATABASE_POOLER": "pgbouncer",
        "METRICS_ALLOWED_NETWORKS": "10.1.0.0/16, 192.0.2.7",
        "SCHEDULE_PRUNE": "off",
        "SCHEDULE_PAYOUT_SWEEP": "*/2  *  * * *",
        "PAYOUT_SIMULATED_FAILURE_RATE": "0.25",
        "REDIS_URL": "redis://cache:6379/0",
        "TIME_ZONE": "Europe/Paris",
    }
    expr = (
        "(settings.SETTLEMENT_CHUNK_SIZE, settings.DATABASES['default']['CONN_MAX_AGE'], "
        "settings.DATABASES['default']['CONN_HEALTH_CHECKS'], "
        "settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'], "
        "settings.DATABASES['default']['OPTIONS']['connect_timeout'], "
        "[str(n) for n in settings.METRICS_ALLOWED_NETWORKS], "
        "settings.SCHEDULED_JOBS['prune']['schedule'], settings.SCHEDULED_JOBS['payout_sweep']['schedule'], "
        "settings.PAYOUT_SIMULATED_FAILURE_RATE, settings.TIME_ZONE, settings.SETTLEMENT_FAN_OUT)"
    )
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); "
        f"from django.conf import settings; print(repr({expr}))"
    )
    result = run_python(env, code)
    assert result.returncode == 0, result.stderr
    assert eval(result.stdout) == (
        250,
        60,
        True,
        True,
        10,
        ["127.0.0.0/8", "::1/128", "10.1.0.0/16", "192.0.2.7/32"],
        "off",
        "*/2 * * * *",
        "0.25",
        "Europe/Paris",
        False,
    )


def test_a_command_stops_with_one_line_naming_the_variable_not_a_traceback():
    result = manage({**REQUIRED, "SETTLEMENT_CHUNK_SIZE": "abc"}, "check")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "manage.py: ImproperlyConfigured: SETTLEMENT_CHUNK_SIZE must be a whole number from 1 to 100000, not 'abc'."
    ]


def test_gunicorn_stops_with_one_line_before_any_worker_starts():
    for variable, value in (("SETTLEMENT_CHUNK_SIZE", "abc"), ("WEB_WORKERS", "many")):
        result = subprocess.run(
            [str(Path(sys.executable).parent / "gunicorn"), "--check-config", "config.wsgi"],
            env=clean_environment({**REQUIRED, variable: value}),
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert result.returncode == 2, result.stderr
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"gunicorn: ImproperlyConfigured: {variable} must be"), line


@pytest.mark.parametrize(
    "path", ["config/settings.py", "config/security.py", "config/operations.py", "gunicorn.conf.py"]
)
def test_settings_read_the_environment_only_through_config_env(path):
    source = (ROOT / path).read_text()
    reads = re.findall(r"os\.environ\.get|os\.getenv|os\.environ\[[^\]]*\](?!\s*=[^=])", source)
    assert not reads, f"{path} reads a variable unvalidated: {reads}"
