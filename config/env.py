"""Reading settings from the environment: every bad value stops the process with one line naming it.

A wrong value in production must fail at start (ImproperlyConfigured at import, for every command),
never be read as some default: `DJANGO_SECURE_COOKIES=flase` must not quietly mean "off". Every
variable the settings (and `gunicorn.conf.py`) read goes through one of these functions;
`manage.py`, `config/wsgi.py` and `gunicorn.conf.py` print the message as one line (`exit_on_bad_setting`).
"""

import ipaddress
import logging
import os
import re
import sys
import zoneinfo
from collections.abc import Callable, Collection
from decimal import Decimal, InvalidOperation
from typing import NoReturn, TypeVar
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}
RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_T = TypeVar("_T")


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


def env_decimal(name: str, default: str, *, minimum: Decimal, maximum: Decimal) -> str:
    """A decimal number in [minimum, maximum], returned as written (the default when unset)."""
    value = env_str(name, default)
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not minimum <= number <= maximum:
        raise ImproperlyConfigured(f"{name} must be a number from {minimum} to {maximum}, not {value!r}.")
    return value


def env_choice(name: str, default: str, choices: Collection[str]) -> str:
    value = env_str(name, default).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(sorted(choices))}, not {value!r}.")
    return value


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


def env_url(name: str, default: str = "", *, schemes: Collection[str]) -> str:
    """An absolute URL with one of `schemes` and a host (or '' when unset and no default)."""
    value = env_str(name, default)
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        ok = parts.scheme in schemes and (bool(parts.hostname) or parts.scheme == "unix")
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        ok = False
    if not ok:
        raise ImproperlyConfigured(
            f"{name} must be a URL starting with {' or '.join(sorted(schemes))}://, not {value!r}."
        )
    return value


def env_networks(name: str, default: str = "") -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma-separated addresses or CIDR networks (`10.0.0.0/8,192.0.2.7,::1`)."""
    networks = []
    for part in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must be comma-separated IP addresses or networks (e.g. 10.0.0.0/8,::1), not {part!r}."
            ) from None
    return networks


def env_timezone(name: str, default: str = "UTC") -> str:
    value = env_str(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must be an IANA time zone such as UTC or Europe/Paris, not {value!r}."
        ) from None
    return value


def env_log_level(name: str, default: str = "INFO") -> str:
    return env_choice(name, default.lower(), {level.lower() for level in LOG_LEVELS}).upper()


def env_parsed(name: str, default: str, parse: Callable[[str], _T], expected: str) -> _T:
    """`parse(value)`; any ValueError becomes the one-line error naming the variable and `expected`."""
    value = env_str(name, default)
    try:
        return parse(value)
    except ValueError as exc:
        detail = f" ({exc})" if str(exc) else ""
        raise ImproperlyConfigured(f"{name} must be {expected}, not {value!r}{detail}.") from None


def exit_on_bad_setting(exc: ImproperlyConfigured, program: str) -> NoReturn:
    """One line on stderr naming what is wrong, exit status 2: a bad setting is bad input, not a crash."""
    logging.shutdown()
    sys.stderr.write(f"{program}: ImproperlyConfigured: {' '.join(str(exc).split())}\n")
    raise SystemExit(2)
