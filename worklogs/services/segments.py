"""Recording, disputing, resolving, removing and adjusting segments."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, InvalidInput, require_text
from core.instants import EARLIEST_INSTANT, as_instant, local_date
from core.money import segment_units
from worklogs.locks import lock_segment, lock_worker, lock_worklog
from worklogs.models import LIVE_SEGMENT_STATUSES, Item, ItemKind, Segment, SegmentStatus, WorkLog
from worklogs.services.items import item_add

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

MAX_SEGMENT_SECONDS = 24 * 3600


class _EarningAmount(TypedDict):
    earning_amount: Decimal | None


def _instants(started_at: datetime, ended_at: datetime) -> tuple[datetime, datetime]:
    """Both timestamps as UTC instants (core/instants.py: no wall-clock arithmetic, in any zone)."""
    if timezone.is_naive(started_at) or timezone.is_naive(ended_at):
        raise InvalidInput("Timestamps need a UTC offset, e.g. 2026-10-01T09:00:00Z.")
    try:
        return as_instant(started_at), as_instant(ended_at)
    except OverflowError:
        raise InvalidInput(f"Timestamps must be on or after {EARLIEST_INSTANT.isoformat()}.") from None


def _validate_span(started_at: datetime, ended_at: datetime) -> int:
    """The span's length in seconds; both ends are UTC instants (`_instants`)."""
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


def _check_no_overlap(*, worker_id: int, started_at: datetime, ended_at: datetime, ignore: int | None = None) -> None:
    overlapping = Segment.objects.filter(
        worker_id=worker_id,
        status__in=LIVE_SEGMENT_STATUSES,
        started_at__lt=ended_at,
        ended_at__gt=started_at,
    )
    if ignore is not None:
        overlapping = overlapping.exclude(pk=ignore)
    other = overlapping.order_by("pk").first()
    if other is not None:
        raise Conflict(
            f"This segment overlaps segment {other.pk} ({other.started_at.isoformat()} to "
            f"{other.ended_at.isoformat()}) of the same worker.",
            code="segment_overlap",
        )


def _work_date(started_at: datetime) -> date:
    return local_date(started_at)


def _segment_create(
    *,
    worklog: WorkLog,
    started_at: datetime,
    ended_at: datetime,
    seconds: int,
    hourly_rate: Decimal,
    external_id: str | None = None,
    note: str = "",
    replaces: Segment | None = None,
) -> Segment:
    segment = Segment.objects.create(
        worklog=worklog,
        worker_id=worklog.worker_id,
        started_at=started_at,
        ended_at=ended_at,
        seconds=seconds,
        work_date=_work_date(started_at),
        hourly_rate=hourly_rate,
        external_id=external_id,
        note=note or "",
        replaces=replaces,
    )
    earning = item_add(
        worklog=worklog,
        kind=ItemKind.EARNING,
        exact_units=segment_units(seconds=seconds, hourly_rate=hourly_rate),
        segment=segment,
        work_date=segment.work_date,
    )
    annotated = cast("WithAnnotations[Segment, _EarningAmount]", segment)
    annotated.earning_amount = earning.amount  # what `selectors.segment_list` annotates, known here
    return segment


@transaction.atomic
def segment_record(
    *,
    worklog: WorkLog,
    started_at: datetime,
    ended_at: datetime,
    external_id: str | None = None,
    note: str = "",
) -> tuple[Segment, bool]:
    """Record time on a worklog at its current rate. Returns (segment, created).

    Re-posting an `external_id` with the same times and note returns the existing segment
    (created False); with different fields it is a conflict. Times are compared as instants, so a
    re-post in a repeated (fall-back) hour is the same segment.
    """
    started_at, ended_at = _instants(started_at, ended_at)
    seconds = _validate_span(started_at, ended_at)
    lock_worker(worklog.worker_id)
    worklog = lock_worklog(worklog.pk)
    if external_id:
        existing = Segment.objects.filter(worklog=worklog, external_id=external_id).first()
        if existing is not None:
            same = existing.started_at == started_at and existing.ended_at == ended_at and existing.note == (note or "")
            if same:
                return existing, False
            raise Conflict(
                f"externalId {external_id!r} was already recorded on this worklog with other fields.",
                code="external_id_reused",
            )
    _check_no_overlap(worker_id=worklog.worker_id, started_at=started_at, ended_at=ended_at)
    segment = _segment_create(
        worklog=worklog,
        started_at=started_at,
        ended_at=ended_at,
        seconds=seconds,
        hourly_rate=worklog.hourly_rate,
        external_id=external_id,
        note=note,
    )
    return segment, True


def _lock_segment_family(segment: Segment) -> tuple[WorkLog, Segment]:
    lock_worker(segment.worker_id)
    worklog = lock_worklog(segment.worklog_id)
    return worklog, lock_segment(segment.pk)


# The statuses each action may start from (API.md); anything else is 409.
ALLOWED_FROM = {
    "dispute": (SegmentStatus.ACTIVE,),
    "resolve": (SegmentStatus.DISPUTED,),
    "remove": LIVE_SEGMENT_STATUSES,
    "adjust": LIVE_SEGMENT_STATUSES,
}


def segment_check_action(*, segment: Segment, action: str) -> None:
    """Refuse (409) an action the segment's status does not allow, before its request is validated.

    A read without a lock, so that a state conflict is 409 whatever the body (API.md); the service
    checks again under the segment's lock, which is what makes it true.
    """
    _require_status(segment, action)


def _require_status(segment: Segment, action: str) -> None:
    allowed = ALLOWED_FROM[action]
    if segment.status not in allowed:
        raise Conflict(
            f"Cannot {action} a {segment.status} segment (only {' or '.join(allowed)}).",
            code="illegal_transition",
        )


def _reverse_earning(*, worklog: WorkLog, segment: Segment, effective_date: date | None) -> Item:
    earning = Item.objects.get(segment=segment, kind=ItemKind.EARNING)
    return item_add(
        worklog=worklog,
        kind=ItemKind.REVERSAL,
        exact_units=-earning.exact_units,
        segment=segment,
        reverses=earning,
        work_date=earning.work_date,
        effective_date=effective_date,
    )


@transaction.atomic
def segment_dispute(*, segment: Segment, reason: str) -> Segment:
    """Hold an ACTIVE segment's earning. Money already in a remittance is not touched."""
    _, segment = _lock_segment_family(segment)
    _require_status(segment, "dispute")
    segment.status = SegmentStatus.DISPUTED
    segment.dispute_reason = require_text(reason)
    segment.save(update_fields=["status", "dispute_reason", "updated_at"])
    return segment


@transaction.atomic
def segment_resolve(*, segment: Segment, resolution: str, effective_date: date | None = None) -> Segment:
    if resolution not in ("ACCEPT", "REMOVE"):
        raise InvalidInput("resolution must be ACCEPT or REMOVE.", field="resolution")
    worklog, segment = _lock_segment_family(segment)
    _require_status(segment, "resolve")
    if resolution == "ACCEPT":
        segment.status = SegmentStatus.ACTIVE
    else:
        segment.status = SegmentStatus.REMOVED
        segment.status_reason = f"Dispute resolved: removed. {segment.dispute_reason}".strip()
        _reverse_earning(worklog=worklog, segment=segment, effective_date=effective_date)
    segment.save(update_fields=["status", "status_reason", "updated_at"])
    return segment


@transaction.atomic
def segment_remove(*, segment: Segment, reason: str, effective_date: date | None = None) -> Segment:
    worklog, segment = _lock_segment_family(segment)
    _require_status(segment, "remove")
    segment.status = SegmentStatus.REMOVED
    segment.status_reason = require_text(reason)
    segment.save(update_fields=["status", "status_reason", "updated_at"])
    _reverse_earning(worklog=worklog, segment=segment, effective_date=effective_date)
    return segment


@transaction.atomic
def segment_adjust(
    *,
    segment: Segment,
    started_at: datetime,
    ended_at: datetime,
    reason: str,
    effective_date: date | None = None,
) -> Segment:
    """Supersede a segment by a corrected one at the original's rate; returns the replacement."""
    worklog, original = _lock_segment_family(segment)
    _require_status(original, "adjust")
    reason = require_text(reason)
    started_at, ended_at = _instants(started_at, ended_at)
    seconds = _validate_span(started_at, ended_at)
    _check_no_overlap(worker_id=original.worker_id, started_at=started_at, ended_at=ended_at, ignore=original.pk)
    original.status = SegmentStatus.SUPERSEDED
    original.status_reason = reason
    original.save(update_fields=["status", "status_reason", "updated_at"])
    _reverse_earning(worklog=worklog, segment=original, effective_date=effective_date)
    return _segment_create(
        worklog=worklog,
        started_at=started_at,
        ended_at=ended_at,
        seconds=seconds,
        hourly_rate=original.hourly_rate,
        note=original.note,
        replaces=original,
    )
