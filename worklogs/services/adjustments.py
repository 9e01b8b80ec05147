"""Retroactive deductions and bonuses."""

from datetime import date
from decimal import Decimal
from typing import TypedDict

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from audit.models import Action, ObjectType
from audit.services import audit_changes, audit_record, audit_snapshot
from core.errors import Conflict, InvalidInput, require_text
from core.money import amount_units
from worklogs.locks import lock_worker, lock_worklog
from worklogs.models import Adjustment, ItemKind, WorkLog
from worklogs.services.items import item_add

MAX_ADJUSTMENT = Decimal("1000000")
ADJUSTMENT_AUDITED = ("worklog_id", "amount", "reason", "effective_date", "external_id")


class _AdjustmentFields(TypedDict):
    worklog: WorkLog
    amount: Decimal
    reason: str
    effective_date: date | None


def _validated(*, amount: Decimal, reason: str) -> str:
    """The request's own checks (400), made before any state is read; returns the stripped reason."""
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput("amount may have at most two decimals.", field="amount")
    if amount == 0 or abs(amount) > MAX_ADJUSTMENT:
        raise InvalidInput("amount must be non-zero and at most 1000000.00 either way.", field="amount")
    return require_text(reason)


@transaction.atomic
def adjustment_record(
    *,
    worklog: WorkLog,
    amount: Decimal,
    reason: str,
    effective_date: date | None = None,
    created_by: User | None = None,
    external_id: str | None = None,
) -> Adjustment:
    """A retroactive deduction (negative) or bonus (positive); it may exceed what was earned.

    `created_by` is the actor: kept on the adjustment and in the audit trail (None: the system)."""
    reason = _validated(amount=amount, reason=reason)
    lock_worker(worklog.worker_id)
    worklog = lock_worklog(worklog.pk)
    adjustment = Adjustment.objects.create(
        worklog=worklog,
        amount=amount,
        reason=reason,
        effective_date=effective_date,
        created_by=created_by,
        external_id=external_id,
    )
    item_add(
        worklog=worklog,
        kind=ItemKind.ADJUSTMENT,
        exact_units=amount_units(amount),
        adjustment=adjustment,
        effective_date=effective_date,
    )
    audit_record(
        actor=created_by,
        action=Action.ADJUSTMENT_RECORDED,
        object_type=ObjectType.ADJUSTMENT,
        object_id=adjustment.pk,
        changes=audit_changes({}, audit_snapshot(adjustment, ADJUSTMENT_AUDITED)),
    )
    return adjustment


def _reused(external_id: str) -> Conflict:
    return Conflict(
        f"externalId {external_id!r} was already recorded as another adjustment.", code="external_id_reused"
    )


def adjustment_check_external_id(*, external_id: object) -> None:
    """For a request that cannot be valid: if its `external_id` was recorded, answer 409, not 400.

    A recorded adjustment was valid, so a request that is not has other fields: a reuse (API.md:
    "a state conflict is 409 whatever the length of a reason").
    """
    if isinstance(external_id, str) and external_id and Adjustment.objects.filter(external_id=external_id).exists():
        raise _reused(external_id)


def _same_or_conflict(
    existing: Adjustment, *, worklog: WorkLog, amount: Decimal, reason: object, effective_date: date | None
) -> Adjustment:
    stripped = str(reason).strip() if reason is not None else ""
    if (existing.worklog_id, existing.amount, existing.reason, existing.effective_date) != (
        worklog.pk,
        amount,
        stripped,
        effective_date,
    ):
        raise _reused(existing.external_id or "")
    return existing


@transaction.atomic
def adjustment_record_once(
    *,
    worklog: WorkLog,
    amount: Decimal,
    reason: str,
    effective_date: date | None = None,
    created_by: User | None = None,
    external_id: str | None = None,
) -> tuple[Adjustment, bool]:
    """`adjustment_record`, where re-sending an `external_id` with the same fields returns the
    existing adjustment (created False) and with other fields is a conflict, whatever their validity
    (the reuse is checked first). Returns (adjustment, created).

    An external id is unique across all worklogs, so two requests carrying it for different workers
    do not queue on one lock: the loser meets the unique index, and is answered as a repeat.
    """
    fields = _AdjustmentFields(worklog=worklog, amount=amount, reason=reason, effective_date=effective_date)
    if not external_id:
        return adjustment_record(created_by=created_by, **fields), True
    lock_worker(worklog.worker_id)  # two requests for one worker queue here
    existing = Adjustment.objects.filter(external_id=external_id).first()
    if existing is not None:
        return _same_or_conflict(existing, **fields), False
    _validated(amount=amount, reason=reason)
    try:
        with transaction.atomic():
            return adjustment_record(created_by=created_by, external_id=external_id, **fields), True
    except IntegrityError:
        existing = Adjustment.objects.filter(external_id=external_id).first()
        if existing is None:
            raise
    return _same_or_conflict(existing, **fields), False
