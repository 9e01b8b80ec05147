"""Domain errors shared by every app (ledger is the root of the app graph, so it owns them).

Services raise these; `config.exceptions.api_exception_handler` maps them once to HTTP, and the
admin and management commands show their message. Nothing else should catch them.
"""


class DomainError(Exception):
    """A request the domain refuses. `status` is the HTTP status the API answers with."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_payload(self) -> dict:
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message, "code": self.code}


class InvalidInput(DomainError):
    """Well-formed but unacceptable input (400)."""


class Conflict(DomainError):
    """The request conflicts with the current state: illegal transition, overlap, reuse (409)."""

    status = 409
    code = "conflict"


def require_text(value, *, field: str = "reason") -> str:
    """A required free-text field (a reason): non-blank, stripped."""
    if value is None or not str(value).strip():
        raise InvalidInput(f"A {field} is required.", field=field)
    return str(value).strip()
