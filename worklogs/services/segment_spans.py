"""A segment's span: its ends as UTC instants, its length, and no overlap with a live segment of its worker."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from core.errors import Conflict, InvalidInput
from core.instants import EARLIEST_INSTANT, as_instant
from worklogs.models import LIVE_SEGMENT_STATUSES, Segment

MAX_SEGMENT_SECONDS = 24 * 3600


def span_instants(started_at: datetime, ended_at: datetime) -> tuple[datetime, datetime]:
    """Both timestamps as UTC instants (core/instants.py: no wall-clock arithmetic, in any zone)."""
    if timezone.is_naive(started_at) or timezone.is_naive(ended_at):
        raise InvalidInput("Timestamps need a UTC offset, e.g. 2026-10-01T09:00:00Z.")
    try:
        return as_instant(started_at), as_instant(ended_at)
    except OverflowError:
        raise InvalidInput(f"Timestamps must be on or after {EARLIEST_INSTANT.isoformat()}.") from None


def span_seconds(started_at: datetime, ended_at: datetime) -> int:
    """The span's length in seconds; both ends are UTC instants (`span_instants`)."""
    if started_at.microsecond or ended_at.microsecond:
        raise InvalidInput("Timestamps are whole seconds; drop the fraction of a second.")
    if started_at < EARLIEST_INSTANT:
        raise InvalidInput(f"startedAt must be on or after {EARLIEST_INSTANT.isoformat()}.", field="started_at")
    if ended_at <= started_at:
        raise InvalidInput("endedAt must be after startedAt.", field="ended_at")
    seconds = int((ended_at - started_at).total_seconds())
    if seconds > MAX_SEGMENT_SECONDS:
        raise InvalidInput("A segment lasts at most 24 hours.", field="ended_at")
    if ended_at > timezone.now() + timedelta(seconds=settings.SEGMENT_MAX_CLOCK_SKEW_SECONDS):
        raise InvalidInput("A segment may not end in the future.", field="ended_at")
    return seconds


def span_check_no_overlap(
    *, worker_id: int, started_at: datetime, ended_at: datetime, ignore: int | None = None
) -> None:
    # A segment lasts at most a day, so one that overlaps started at most a day before this one: the
    # bound keeps the read to a day of the worker's index (worker, started_at). Ordered by id alone,
    # PostgreSQL walked the whole primary key instead, filtering every segment of every worker.
    overlapping = Segment.objects.filter(
        worker_id=worker_id,
        status__in=LIVE_SEGMENT_STATUSES,
        started_at__gte=started_at - timedelta(seconds=MAX_SEGMENT_SECONDS),
        started_at__lt=ended_at,
        ended_at__gt=started_at,
    )
    if ignore is not None:
        overlapping = overlapping.exclude(pk=ignore)
    other = overlapping.order_by("started_at", "pk").first()
    if other is not None:
        raise Conflict(
            f"This segment overlaps segment {other.pk} ({other.started_at.isoformat()} to "
            f"{other.ended_at.isoformat()}) of the same worker.",
            code="segment_overlap",
        )
