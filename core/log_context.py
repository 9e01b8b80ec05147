"""What every log line of the current request or task says it belongs to: `request_id`, `user_id`,
`run_id`, `remittance_id`, ...

The fields live in a context variable, so each request thread, each task and each chunk thread sees
its own (a thread pool that should inherit them runs its work in `contextvars.copy_context()`).
`LogContextFilter`, installed on the handlers by the logging configuration (config/logging.py),
copies them onto every record, where the JSON formatter writes them as fields.
"""

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

_fields: ContextVar[Mapping[str, object]] = ContextVar("log_context", default={})  # noqa: B039 - never mutated


class _UserSource(Protocol):
    def __call__(self) -> object: ...


_user: ContextVar[_UserSource | None] = ContextVar("log_context_user", default=None)


def log_fields() -> dict[str, object]:
    """The fields bound now, with `user_id` when the request's user is known."""
    fields = dict(_fields.get())
    source = _user.get()
    if source is not None and "user_id" not in fields:
        user_id = source()
        if user_id is not None:
            fields["user_id"] = user_id
    return fields


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Bind `fields` (None values are left out) for what runs inside; the outer fields stay."""
    token = _fields.set({**_fields.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _fields.reset(token)


def bind_request(*, request_id: str, user: _UserSource) -> None:
    """Start a request's context: its id, and its user's id once authentication has found it (`user()`
    returns the id, or None while nobody is authenticated yet; it must not query the database).

    Not a context manager: Django logs a 4xx or 5xx answer after the last middleware has returned, and
    that line belongs to the request too. `clear_request` ends it when the response is finished."""
    _fields.set({"request_id": request_id})
    _user.set(user)


def clear_request(**kwargs: object) -> None:
    """The request is over (connected to Django's `request_finished`): its thread logs without it."""
    _fields.set({})
    _user.set(None)


class LogContextFilter(logging.Filter):
    """Copies the bound fields onto each record (an explicit `extra=` of the same name wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in log_fields().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True
