"""Every state change of workers, worklogs, segments and adjustments.

Each service is atomic and takes row locks in one order: worker, then worklog, then segment, so
that two services can never deadlock (settlement services follow the same order). Items are only
created by `_item_add`, under the worklog lock, which is what makes "cents = round(total after) -
round(total before), in creation order" hold.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ledger.currencies import ISO_4217
from ledger.errors import Conflict, InvalidInput, require_text
from ledger.models import Account, AccountKind
from ledger.money import amount_units, cents_of_next_item, round_exact, segment_units
from ledger.services import EntrySpec, accounts_open_for_party, entry_post
from worklogs.models import (
    LIVE_SEGMENT_STATUSES,
    Adjustment,
    Item,
    ItemKind,
    Segment,
    SegmentStatus,
    Task,
    Worker,
    WorkLog,
)

MAX_RATE = Decimal("10000")
MAX_ADJUSTMENT = Decimal("1000000")
MAX_SEGMENT_SECONDS = 24 * 3600


# --- Locks ------------------------------------------------------------------------------------


def _lock_worker(worker_id: int) -> Worker:
    return Worker.objects.select_for_update().get(pk=worker_id)


def _lock_worklog(worklog_id: int) -> WorkLog:
    return WorkLog.objects.select_for_update().get(pk=worklog_id)


def _lock_segment(segment_id: int) -> Segment:
    return Segment.objects.select_for_update().get(pk=segment_id)


# --- Workers, tasks, worklogs -----------------------------------------------------------------


def _validate_rate(hourly_rate: Decimal) -> Decimal:
    if hourly_rate != hourly_rate.quantize(Decimal("0.01")):
        raise InvalidInput("hourlyRate may have at most two decimals.", field="hourlyRate")
    if hourly_rate <= 0 or hourly_rate > MAX_RATE:
        raise InvalidInput("hourlyRate must be greater than 0 and at most 10000.00.", field="hourlyRate")
    return hourly_rate.quantize(Decimal("0.01"))


@transaction.atomic
def worker_create(
    *, name: str, email: str = "", currency: str = "USD", user=None, external_id: str | None = None
) -> Worker:
    currency = (currency or "USD").upper()
    if currency not in ISO_4217:
        raise InvalidInput(f"{currency!r} is not an ISO-4217 currency code.", field="currency")
    if not name or not name.strip():
        raise InvalidInput("A worker needs a name.", field="name")
    worker = Worker.objects.create(
        name=name.strip(), email=email or "", currency=currency, user=user, external_id=external_id
    )
    accounts_open_for_party(party=worker.pk, currency=currency, label=worker.name)
    return worker


@transaction.atomic
def task_create(*, title: str, external_id: str | None = None) -> Task:
    if not title or not title.strip():
        raise InvalidInput("A task needs a title.", field="title")
    return Task.objects.create(title=title.strip(), external_id=external_id)


@transaction.atomic
def worklog_create(*, worker: Worker, task: Task, hourly_rate: Decimal, external_id: str | None = None) -> WorkLog:
    hourly_rate = _validate_rate(hourly_rate)
    worker = _lock_worker(worker.pk)
    if WorkLog.objects.filter(worker=worker, task=task).exists():
        raise Conflict("This worker already has a worklog for this task.", code="worklog_exists")
    try:
        with transaction.atomic():
            return WorkLog.objects.create(
                worker=worker, task=task, hourly_rate=hourly_rate, currency=worker.currency, external_id=external_id
            )
    except IntegrityError:
        raise Conflict("This worker already has a worklog for this task.", code="worklog_exists") from None


@transaction.atomic
def worklog_rate_change(*, worklog: WorkLog, hourly_rate: Decimal) -> WorkLog:
    """Only segments recorded afterwards use the new rate: items keep their snapshot."""
    hourly_rate = _validate_rate(hourly_rate)
    _lock_worker(worklog.worker_id)
    worklog = _lock_worklog(worklog.pk)
    worklog.hourly_rate = hourly_rate
    worklog.save(update_fields=["hourly_rate"])
    return worklog


# --- Items ------------------------------------------------------------------------------------


def _worker_account(worker_id: int, kind: str, currency: str) -> Account:
    try:
        return Account.objects.get(party=worker_id, kind=kind, currency=currency)
    except Account.DoesNotExist:
        return accounts_open_for_party(party=worker_id, currency=currency)[kind]


def _item_add(
    *,
    worklog: WorkLog,
    kind: str,
    exact_units: int,
    segment: Segment | None = None,
    adjustment: Adjustment | None = None,
    reverses: Item | None = None,
    work_date: date | None = None,
    effective_date: date | None = None,
) -> Item:
    """Create one item on a worklog the caller has locked, update its totals, post it."""
    cents = cents_of_next_item(total_before=worklog.exact_units, item_units=exact_units)
    item = Item.objects.create(
        worklog=worklog,
        worker_id=worklog.worker_id,
        kind=kind,
        exact_units=exact_units,
        amount=cents,
        segment=segment,
        adjustment=adjustment,
        reverses=reverses,
        work_date=work_date,
        effective_date=effective_date,
    )
    worklog.exact_units += exact_units
    worklog.amount = round_exact(worklog.exact_units)
    worklog.item_count += 1
    WorkLog.objects.filter(pk=worklog.pk).update(
        exact_units=F("exact_units") + exact_units,
        amount=worklog.amount,
        item_count=F("item_count") + 1,
    )
    if cents:
        expense = _worker_account(worklog.worker_id, AccountKind.EXPENSE, worklog.currency)
        payable = _worker_account(worklog.worker_id, AccountKind.PAYABLE, worklog.currency)
        entry_post(
            spec=EntrySpec(
                cause=kind,
                reference=f"item:{item.pk}",
                party=worklog.worker_id,
                memo=f"worklog {worklog.pk}",
                lines=[(expense, cents), (payable, -cents)],
            )
        )
    return item


# --- Segments ---------------------------------------------------------------------------------


def _validate_span(started_at: datetime, ended_at: datetime) -> int:
    if timezone.is_naive(started_at) or timezone.is_naive(ended_at):
        raise InvalidInput("Timestamps need a UTC offset, e.g. 2026-10-01T09:00:00Z.")
    if started_at.microsecond or ended_at.microsecond:
        raise InvalidInput("Timestamps are whole seconds; drop the fraction of a second.")
    if ended_at <= started_at:
        raise InvalidInput("endedAt must be after startedAt.", field="endedAt")
    seconds = int((ended_at - started_at).total_seconds())
    if seconds > MAX_SEGMENT_SECONDS:
        raise InvalidInput("A segment lasts at most 24 hours.", field="endedAt")
    if ended_at > timezone.now() + timedelta(seconds=settings.SEGMENT_MAX_CLOCK_SKEW_SECONDS):
        raise InvalidInput("A segment may not end in the future.", field="endedAt")
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
    return timezone.localtime(started_at, timezone.get_default_timezone()).date()


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
    _item_add(
        worklog=worklog,
        kind=ItemKind.EARNING,
        exact_units=segment_units(seconds=seconds, hourly_rate=hourly_rate),
        segment=segment,
        work_date=segment.work_date,
    )
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
    (created False); with different fields it is a conflict.
    """
    seconds = _validate_span(started_at, ended_at)
    _lock_worker(worklog.worker_id)
    worklog = _lock_worklog(worklog.pk)
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
    _lock_worker(segment.worker_id)
    worklog = _lock_worklog(segment.worklog_id)
    return worklog, _lock_segment(segment.pk)


def _require_status(segment: Segment, allowed: tuple[str, ...], action: str) -> None:
    if segment.status not in allowed:
        raise Conflict(
            f"Cannot {action} a {segment.status} segment (only {' or '.join(allowed)}).",
            code="illegal_transition",
        )


def _reverse_earning(*, worklog: WorkLog, segment: Segment, effective_date: date | None) -> Item:
    earning = Item.objects.get(segment=segment, kind=ItemKind.EARNING)
    return _item_add(
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
    _require_status(segment, (SegmentStatus.ACTIVE,), "dispute")
    segment.status = SegmentStatus.DISPUTED
    segment.dispute_reason = require_text(reason)
    segment.save(update_fields=["status", "dispute_reason", "updated_at"])
    return segment


@transaction.atomic
def segment_resolve(*, segment: Segment, resolution: str, effective_date: date | None = None) -> Segment:
    if resolution not in ("ACCEPT", "REMOVE"):
        raise InvalidInput("resolution must be ACCEPT or REMOVE.", field="resolution")
    worklog, segment = _lock_segment_family(segment)
    _require_status(segment, (SegmentStatus.DISPUTED,), "resolve")
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
    _require_status(segment, LIVE_SEGMENT_STATUSES, "remove")
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
    _require_status(original, LIVE_SEGMENT_STATUSES, "adjust")
    reason = require_text(reason)
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


# --- Adjustments ------------------------------------------------------------------------------


@transaction.atomic
def adjustment_record(
    *,
    worklog: WorkLog,
    amount: Decimal,
    reason: str,
    effective_date: date | None = None,
    created_by=None,
    external_id: str | None = None,
) -> Adjustment:
    """A retroactive deduction (negative) or bonus (positive); it may exceed what was earned."""
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput("amount may have at most two decimals.", field="amount")
    if amount == 0 or abs(amount) > MAX_ADJUSTMENT:
        raise InvalidInput("amount must be non-zero and at most 1000000.00 either way.", field="amount")
    reason = require_text(reason)
    _lock_worker(worklog.worker_id)
    worklog = _lock_worklog(worklog.pk)
    adjustment = Adjustment.objects.create(
        worklog=worklog,
        amount=amount,
        reason=reason,
        effective_date=effective_date,
        created_by=created_by,
        external_id=external_id,
    )
    _item_add(
        worklog=worklog,
        kind=ItemKind.ADJUSTMENT,
        exact_units=amount_units(amount),
        adjustment=adjustment,
        effective_date=effective_date,
    )
    return adjustment
