"""E-mail settings from one URL, `EMAIL_URL` (README "Configuration"), read at start like every setting.

    smtp://user:password@host:587?tls=1      STARTTLS on the submission port
    smtps://user:password@host               TLS from the first byte (port 465 by default)
    smtp://host:25                           plain SMTP, no login (a relay on a private network)
    console://                               print each message (development)

The user and password may be percent-encoded (`%40` for `@`). `timeout=` (seconds, default 10)
bounds every call to the server, so a server that hangs delays a background task, never a request.
Fifteen lines of our own rather than dj-email-url (last released 2022): the same URL shape, and a
bad value stops the process with one line naming the variable, never echoing the password.
"""

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
FLAGS = {"tls", "ssl", "timeout"}


def _flag(query: dict[str, list[str]], name: str) -> bool:
    value = query.get(name, ["0"])[-1].lower()
    if value not in {"0", "1", "true", "false", "yes", "no", "on", "off"}:
        raise ValueError(f"{name}= must be 1 or 0")
    return value in {"1", "true", "yes", "on"}


def email_settings_from_url(url: str, *, name: str = "EMAIL_URL") -> dict[str, Any]:
    """The Django settings (`EMAIL_BACKEND`, `EMAIL_HOST`, ...) that `url` names."""
    shown = url
    try:
        parts = urlsplit(url)
        if parts.password:
            shown = url.replace(parts.password, "***")
        if parts.scheme == "console":
            return {"EMAIL_BACKEND": CONSOLE_BACKEND}
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("the scheme must be smtp, smtps or console, with a host for SMTP")
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = set(query) - FLAGS
        if unknown:
            raise ValueError(f"unknown parameter {sorted(unknown)[0]}=")
        use_ssl = parts.scheme == "smtps" or _flag(query, "ssl")
        use_tls = _flag(query, "tls")
        if use_ssl and use_tls:
            raise ValueError("tls=1 (STARTTLS) and ssl (smtps) exclude each other")
        timeout = query.get("timeout", ["10"])[-1]
        if not (timeout.isascii() and timeout.isdigit()) or not 1 <= int(timeout) <= 600:
            raise ValueError("timeout= must be 1 to 600 seconds")
        port = parts.port or (465 if use_ssl else 25)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name} must be smtp://[user:password@]host[:port][?tls=1], smtps://... or console://, "
            f"not {shown!r} ({exc})."
        ) from None
    return {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_TIMEOUT": int(timeout),
    }
