"""Recording, disputing, resolving, removing and adjusting segments."""

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict, cast

from django.db import transaction

from audit.models import Action, ObjectType
from audit.services import Actor, audit_changes, audit_record, audit_snapshot
from core.errors import Conflict, InvalidInput, require_text
from core.instants import local_date
from core.money import segment_units
from worklogs.locks import lock_segment, lock_worker, lock_worklog
from worklogs.models import LIVE_SEGMENT_STATUSES, Item, ItemKind, Segment, SegmentStatus, WorkLog
from worklogs.services.items import item_add
from worklogs.services.segment_spans import span_check_no_overlap, span_instants, span_seconds

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

SEGMENT_AUDITED = ("worklog_id", "started_at", "ended_at", "hourly_rate", "external_id", "note", "replaces_id")
STATUS_AUDITED = ("status", "dispute_reason", "status_reason")


class _EarningAmount(TypedDict):
    earning_amount: Decimal | None


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
    actor: Actor = None,
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
    audit_record(
        actor=actor,
        action=Action.SEGMENT_RECORDED,
        object_type=ObjectType.SEGMENT,
        object_id=segment.pk,
        changes=audit_changes({}, {**audit_snapshot(segment, SEGMENT_AUDITED), "amount": earning.amount}),
    )
    return segment


def _record_status_change(
    *, segment: Segment, before: dict[str, object], action: str, actor: Actor, decided: dict[str, object] | None = None
) -> None:
    """The segment's status change, and what else the action decided (an effective date, a replacement)."""
    changes = audit_changes(before, {**audit_snapshot(segment, STATUS_AUDITED), **(decided or {})})
    audit_record(actor=actor, action=action, object_type=ObjectType.SEGMENT, object_id=segment.pk, changes=changes)


@transaction.atomic
def segment_record(
    *,
    worklog: WorkLog,
    started_at: datetime,
    ended_at: datetime,
    external_id: str | None = None,
    note: str = "",
    actor: Actor = None,
) -> tuple[Segment, bool]:
    """Record time on a worklog at its current rate. Returns (segment, created).

    Re-posting an `external_id` with the same times and note returns the existing segment
    (created False, nothing recorded); with different fields it is a conflict. Times are compared as
    instants, so a re-post in a repeated (fall-back) hour is the same segment. `actor`: who recorded
    the time (the worker's own login, finance, or None for an import run from a shell).
    """
    started_at, ended_at = span_instants(started_at, ended_at)
    seconds = span_seconds(started_at, ended_at)
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
    span_check_no_overlap(worker_id=worklog.worker_id, started_at=started_at, ended_at=ended_at)
    segment = _segment_create(
        worklog=worklog,
        started_at=started_at,
        ended_at=ended_at,
        seconds=seconds,
        hourly_rate=worklog.hourly_rate,
        external_id=external_id,
        note=note,
        actor=actor,
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
def segment_dispute(*, segment: Segment, reason: str, actor: Actor = None) -> Segment:
    """Hold an ACTIVE segment's earning. Money already in a remittance is not touched."""
    _, segment = _lock_segment_family(segment)
    _require_status(segment, "dispute")
    before = audit_snapshot(segment, STATUS_AUDITED)
    segment.status = SegmentStatus.DISPUTED
    segment.dispute_reason = require_text(reason)
    segment.save(update_fields=["status", "dispute_reason", "updated_at"])
    _record_status_change(segment=segment, before=before, action=Action.SEGMENT_DISPUTED, actor=actor)
    return segment


@transaction.atomic
def segment_resolve(
    *, segment: Segment, resolution: str, effective_date: date | None = None, actor: Actor = None
) -> Segment:
    if resolution not in ("ACCEPT", "REMOVE"):
        raise InvalidInput("resolution must be ACCEPT or REMOVE.", field="resolution")
    worklog, segment = _lock_segment_family(segment)
    _require_status(segment, "resolve")
    before = audit_snapshot(segment, STATUS_AUDITED)
    if resolution == "ACCEPT":
        segment.status = SegmentStatus.ACTIVE
    else:
        segment.status = SegmentStatus.REMOVED
        segment.status_reason = f"Dispute resolved: removed. {segment.dispute_reason}".strip()
        _reverse_earning(worklog=worklog, segment=segment, effective_date=effective_date)
    segment.save(update_fields=["status", "status_reason", "updated_at"])
    _record_status_change(
        segment=segment,
        before=before,
        action=Action.SEGMENT_RESOLVED,
        actor=actor,
        decided={"effective_date": effective_date if resolution == "REMOVE" else None},
    )
    return segment


@transaction.atomic
def segment_remove(
    *, segment: Segment, reason: str, effective_date: date | None = None, actor: Actor = None
) -> Segment:
    worklog, segment = _lock_segment_family(segment)
    _require_status(segment, "remove")
    before = audit_snapshot(segment, STATUS_AUDITED)
    segment.status = SegmentStatus.REMOVED
    segment.status_reason = require_text(reason)
    segment.save(update_fields=["status", "status_reason", "updated_at"])
    _reverse_earning(worklog=worklog, segment=segment, effective_date=effective_date)
    _record_status_change(
        segment=segment,
        before=before,
        action=Action.SEGMENT_REMOVED,
        actor=actor,
        decided={"effective_date": effective_date},
    )
    return segment


@transaction.atomic
def segment_adjust(
    *,
    segment: Segment,
    started_at: datetime,
    ended_at: datetime,
    reason: str,
    effective_date: date | None = None,
    actor: Actor = None,
) -> Segment:
    """Supersede a segment by a corrected one at the original's rate; returns the replacement.

    Records the correction on the original (its status, the new times, the replacement's id) and the
    replacement's recording."""
    worklog, original = _lock_segment_family(segment)
    _require_status(original, "adjust")
    reason = require_text(reason)
    started_at, ended_at = span_instants(started_at, ended_at)
    seconds = span_seconds(started_at, ended_at)
    span_check_no_overlap(worker_id=original.worker_id, started_at=started_at, ended_at=ended_at, ignore=original.pk)
    before = audit_snapshot(original, STATUS_AUDITED)
    original.status = SegmentStatus.SUPERSEDED
    original.status_reason = reason
    original.save(update_fields=["status", "status_reason", "updated_at"])
    _reverse_earning(worklog=worklog, segment=original, effective_date=effective_date)
    replacement = _segment_create(
        worklog=worklog,
        started_at=started_at,
        ended_at=ended_at,
        seconds=seconds,
        hourly_rate=original.hourly_rate,
        note=original.note,
        replaces=original,
        actor=actor,
    )
    _record_status_change(
        segment=original,
        before={**before, "started_at": original.started_at, "ended_at": original.ended_at},
        action=Action.SEGMENT_CORRECTED,
        actor=actor,
        decided={
            "started_at": replacement.started_at,
            "ended_at": replacement.ended_at,
            "replaced_by_id": replacement.pk,
            "effective_date": effective_date,
        },
    )
    return replacement
