"""Reading settings from the environment: every bad value stops the process with one line naming it.

A wrong value in production must fail at start (ImproperlyConfigured at import, for every command),
never be read as some default: `DJANGO_SECURE_COOKIES=flase` must not quietly mean "off".
"""

import os
import re

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}
RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def env_required(name: str, why: str) -> str:
    value = env_str(name)
    if not value:
        raise ImproperlyConfigured(f"{name} is required {why}.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name).lower()
    if not value:
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {value!r}.")


def env_int(name: str, default: int, *, minimum: int, maximum: int) -> int:
    value = env_str(name)
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or not minimum <= int(value) <= maximum:
        raise ImproperlyConfigured(f"{name} must be a whole number from {minimum} to {maximum}, not {value!r}.")
    return int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def env_rates(name: str, defaults: dict[str, str]) -> dict[str, str]:
    """`scope=N/period,...` over the defaults; every scope must be known and every rate well formed."""
    rates = dict(defaults)
    for part in env_list(name):
        scope, _, rate = (piece.strip() for piece in part.partition("="))
        if scope not in defaults or not RATE.match(rate):
            raise ImproperlyConfigured(
                f"{name} must be comma-separated scope=N/period with scopes {', '.join(sorted(defaults))} "
                f"and periods s, min, hour or day (e.g. login=20/min), not {part!r}."
            )
        rates[scope] = rate
    return rates
