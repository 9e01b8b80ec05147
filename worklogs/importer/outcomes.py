"""How a row's failure reads in a report, and the segment service call every format shares."""

from datetime import datetime

from django.db import DatabaseError

from audit.services import Actor
from core.errors import Conflict, DomainError
from worklogs import services
from worklogs.importer.records import _overlap_reason
from worklogs.models import Segment, WorkLog

ROW_ERRORS = (DomainError, DatabaseError)


def reason_of(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, DatabaseError):
        return f"Rejected by the database: {exc}".splitlines()[0]
    return str(exc)


def record_segment(
    *, worklog: WorkLog, started_at: datetime, ended_at: datetime, source_id: str, note: str, actor: Actor
) -> tuple[Segment, bool]:
    """`segment_record` (its locks, audit and externalId idempotency), an overlap named in the file's terms."""
    try:
        return services.segment_record(
            worklog=worklog, started_at=started_at, ended_at=ended_at, external_id=source_id, note=note, actor=actor
        )
    except Conflict as exc:
        if exc.code == "segment_overlap":
            raise Conflict(_overlap_reason(worklog, started_at, ended_at), code=exc.code) from None
        raise
