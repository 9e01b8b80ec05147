"""The domain's refusals. Services raise them; nothing here knows about HTTP.

Each class says *why* a request is refused; `api.exceptions` maps each class to its HTTP status and
body once, the admin shows `message` on its form, and the commands print it on one line. `field`
names the offending input in Python's snake_case (the API layer renders it camelCase on the wire).
"""


class DomainError(Exception):
    """A request the domain refuses."""

    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class InvalidInput(DomainError):
    """Well-formed but unacceptable input."""


class Conflict(DomainError):
    """The request conflicts with the current state: illegal transition, overlap, reuse."""

    code = "conflict"


class NotPermitted(DomainError):
    """The actor may not do this (for example approving their own run)."""

    code = "permission_denied"


class Unauthenticated(DomainError):
    """The caller could not be identified (for example a webhook whose signature does not verify)."""

    code = "not_authenticated"


def require_text(value: object, *, field: str = "reason") -> str:
    """A required free-text field (a reason): non-blank, stripped."""
    if value is None or not str(value).strip():
        raise InvalidInput(f"A {field} is required.", field=field)
    return str(value).strip()
