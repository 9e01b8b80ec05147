"""With debug off the settings fail closed, and with only the three required variables they pass
Django's deployment check (issue 14: "Production settings fail closed when debug is off")."""

import ast
import subprocess

import pytest

from tests.config.helpers import REQUIRED, ROOT, manage, settings_value


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_each_required_variable_is_named_when_missing_with_debug_off(missing):
    env = {k: v for k, v in REQUIRED.items() if k != missing}
    result = settings_value(env, "settings.DATABASES")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} is required when DJANGO_DEBUG is off" in result.stderr


def test_every_command_refuses_to_start_without_database_url_rather_than_use_sqlite():
    env = {k: v for k, v in REQUIRED.items() if k != "DATABASE_URL"}
    result = manage(env, "migrate", "--plan")
    assert result.returncode != 0
    assert "DATABASE_URL is required" in result.stderr


def test_deploy_check_passes_with_only_the_three_variables():
    result = manage(REQUIRED, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_defaults_with_only_the_three_variables():
    expr = (
        "dict(debug=settings.DEBUG, engine=settings.DATABASES['default']['ENGINE'], "
        "session_secure=settings.SESSION_COOKIE_SECURE, csrf_secure=settings.CSRF_COOKIE_SECURE, "
        "hsts=settings.SECURE_HSTS_SECONDS, redirect=settings.SECURE_SSL_REDIRECT, "
        "frame=settings.X_FRAME_OPTIONS, silenced=sorted(settings.SILENCED_SYSTEM_CHECKS), "
        "require_2fa=settings.ADMIN_REQUIRE_2FA, webhook_secrets=settings.PAYOUT_WEBHOOK_SECRETS, "
        "cache=settings.CACHES['default']['BACKEND'], rates=settings.THROTTLE_RATES, "
        "lockout=(settings.AXES_FAILURE_LIMIT, settings.AXES_LOCKOUT_PARAMETERS), "
        "proxy_header=getattr(settings, 'SECURE_PROXY_SSL_HEADER', None), ttl=settings.API_TOKEN_TTL_HOURS)"
    )
    result = settings_value(REQUIRED, expr)
    assert result.returncode == 0, result.stderr
    assert ast.literal_eval(result.stdout.strip()) == {
        "debug": False,
        "engine": "django.db.backends.postgresql",
        "session_secure": True,
        "csrf_secure": True,
        "hsts": 31_536_000,
        "redirect": False,
        "frame": "DENY",
        "silenced": ["security.W005", "security.W008", "security.W021"],
        "require_2fa": True,
        "webhook_secrets": [],
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "rates": {"login": "20/min", "user": "6000/min", "integration": "30000/min"},
        "lockout": (10, [["username", "ip_address"]]),
        "proxy_header": None,
        "ttl": 10,
    }


def test_security_settings_come_from_the_environment():
    env = {
        **REQUIRED,
        "DJANGO_SECURE_SSL_REDIRECT": "1",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_SECURE_HSTS_SECONDS": "600",
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "yes",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto,https",
        "DJANGO_TRUSTED_PROXY_COUNT": "1",
        "DJANGO_THROTTLE_RATES": "login=5/min, integration=100/s",
        "AXES_FAILURE_LIMIT": "3",
        "API_TOKEN_TTL_HOURS": "2",
        "ADMIN_REQUIRE_2FA": "off",
        "REDIS_URL": "redis://127.0.0.1:6379/3",
    }
    expr = (
        "(settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS, "
        "settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_PROXY_SSL_HEADER, settings.TRUSTED_PROXY_COUNT, "
        "settings.REST_FRAMEWORK['NUM_PROXIES'], settings.THROTTLE_RATES, settings.AXES_FAILURE_LIMIT, "
        "settings.REST_KNOX['TOKEN_TTL'].total_seconds(), settings.ADMIN_REQUIRE_2FA, "
        "settings.CACHES['default']['BACKEND'], sorted(settings.SILENCED_SYSTEM_CHECKS))"
    )
    result = settings_value(env, expr)
    assert result.returncode == 0, result.stderr
    assert ast.literal_eval(result.stdout.strip()) == (
        True,
        False,
        600,
        True,
        ("HTTP_X_FORWARDED_PROTO", "https"),
        1,
        1,
        {"login": "5/min", "user": "6000/min", "integration": "100/s"},
        3,
        7200.0,
        False,
        "django.core.cache.backends.redis.RedisCache",
        ["security.W021"],
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DJANGO_DEBUG", "maybe"),
        ("DJANGO_SECURE_COOKIES", "flase"),
        ("DJANGO_SECURE_HSTS_SECONDS", "-1"),
        ("DJANGO_SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto"),
        ("DJANGO_TRUSTED_PROXY_COUNT", "two"),
        ("DJANGO_THROTTLE_RATES", "login=lots"),
        ("DJANGO_THROTTLE_RATES", "everyone=10/min"),
        ("AXES_FAILURE_LIMIT", "0"),
        ("AXES_COOLOFF_MINUTES", "1.5"),
        ("API_TOKEN_TTL_HOURS", "0"),
        ("ADMIN_REQUIRE_2FA", "sometimes"),
    ],
)
def test_a_bad_value_stops_the_process_with_one_line_naming_the_variable(variable, value):
    result = settings_value({**REQUIRED, variable: value}, "settings.DEBUG")
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert variable in last_line


def test_debug_without_variables_generates_a_key_per_process_and_accepts_no_webhook():
    expr = "(settings.SECRET_KEY, settings.PAYOUT_WEBHOOK_SECRETS, settings.ADMIN_REQUIRE_2FA)"
    first = settings_value({"DJANGO_DEBUG": "1"}, expr)
    second = settings_value({"DJANGO_DEBUG": "1"}, expr)
    assert first.returncode == 0, first.stderr
    key1, webhook_secrets, require_2fa = ast.literal_eval(first.stdout.strip())
    key2, _, _ = ast.literal_eval(second.stdout.strip())
    assert len(key1) >= 50 and key1 != key2
    assert webhook_secrets == []
    assert require_2fa is False


def test_make_run_listens_on_the_loopback_unless_host_says_otherwise():
    dry = subprocess.run(["make", "-n", "-s", "run"], capture_output=True, text=True, cwd=ROOT)
    assert "HOST=127.0.0.1" in dry.stdout and "0.0.0.0" not in dry.stdout
    opened = subprocess.run(["make", "-n", "-s", "run", "HOST=0.0.0.0"], capture_output=True, text=True, cwd=ROOT)
    assert "HOST=0.0.0.0" in opened.stdout
