"""The logging configuration of every process: Django (web, `db_worker`, `run_scheduler`, commands)
and gunicorn's own error and access logs (gunicorn.conf.py).

With debug off every line is one JSON object (python-json-logger): `time` (UTC, ISO 8601),
`level`, `logger`, `message`, the context bound for the request or task (`request_id`, `user_id`,
`run_id`, `remittance_id`, ...: core/log_context.py), any `extra=` fields, and `exc_info` (the
traceback, as one string) when there is one. With debug on: one readable line, the same context as
`key=value` at its end.
"""

import logging
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from core.log_context import LogContextFilter

# The fields every JSON line starts with, in this order.
CORE_FIELDS = ("time", "level", "logger", "message")
# Attributes of a LogRecord that are not written as fields (the message and time are, renamed).
_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# Extras Django's request logger adds that say nothing a line does not (the request's repr).
_DROPPED = {"request"}


class JsonFormatter(_JsonFormatter):
    """One JSON object per record: the core fields, the context, the extras, the traceback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("reserved_attrs", sorted(_RECORD_ATTRIBUTES | _DROPPED))
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.getMessage() if not isinstance(record.msg, dict) else ""
        super().add_fields(log_data, record, message_dict)


class ReadableFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value ...` for a developer's terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        skipped = _RECORD_ATTRIBUTES | _DROPPED
        extras = {k: v for k, v in vars(record).items() if k not in skipped and not k.startswith("_")}
        if not extras:
            return line
        first, newline, rest = line.partition("\n")
        return f"{first} {' '.join(f'{k}={v}' for k, v in extras.items())}{newline}{rest}"


def _formatter(json: bool) -> dict[str, Any]:
    return {"()": f"{__name__}.{'JsonFormatter' if json else 'ReadableFormatter'}"}


def logging_config(*, json: bool, level: str = "INFO") -> dict[str, Any]:
    """Django's LOGGING: everything through the root logger to stderr, one line per record."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": LogContextFilter}},
        "formatters": {"line": _formatter(json)},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "line",
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own handlers (mail to admins, the dev server's plain lines) give way to the root's.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": [], "level": level, "propagate": True},
            "django.db.backends": {"level": "INFO"},
        },
    }


class GunicornAccessFormatter(JsonFormatter):
    """gunicorn's access line as JSON: the request's id (the middleware's, or the client's header
    when the request never reached Django), user, method, path, status, size and duration."""

    def format(self, record: logging.LogRecord) -> str:
        atoms = record.args if isinstance(record.args, dict) else {}
        request_id = atoms.get("{wls.request_id}e", "-")
        client_ip = atoms.get("{wls.client_ip}e", "-")
        record.msg, record.args = "%s %s %s", (atoms.get("m", "-"), atoms.get("U", "-"), atoms.get("s", "-"))
        fields = {
            "request_id": request_id if request_id != "-" else None,
            "user_id": _int_or_none(atoms.get("{wls.user_id}e", "-")),
            "client_ip": client_ip if client_ip != "-" else atoms.get("h"),
            "method": atoms.get("m"),
            "path": atoms.get("U"),
            "status": _int_or_none(atoms.get("s", "-")),
            "bytes": _int_or_none(atoms.get("B", "-")),
            "duration_ms": round(int(atoms.get("D", 0) or 0) / 1000, 1),
            "user_agent": atoms.get("a"),
        }
        for key, value in fields.items():
            setattr(record, key, value)
        return super().format(record)


def _int_or_none(value: object) -> int | None:
    text = str(value)
    return int(text) if text.isdigit() else None


def gunicorn_logging_config(*, json: bool, level: str = "INFO") -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its error log on stderr and its access log on stdout, as JSON
    (or readable with debug on); they do not propagate, so Django's root handler never repeats them."""
    access_formatter = {"()": f"{__name__}.GunicornAccessFormatter"} if json else _formatter(False)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": LogContextFilter}},
        "formatters": {"line": _formatter(json), "access": access_formatter},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "line"},
            "error_console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "line",
                "filters": ["context"],
            },
            "access_console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "access"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "gunicorn.error": {"handlers": ["error_console"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": ["access_console"], "level": "INFO", "propagate": False},
        },
    }


__all__ = ["CORE_FIELDS", "JsonFormatter", "ReadableFormatter", "gunicorn_logging_config", "logging_config"]
