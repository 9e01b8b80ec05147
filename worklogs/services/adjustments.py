"""Retroactive deductions and bonuses."""

from datetime import date
from decimal import Decimal
from typing import TypedDict

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from core.errors import Conflict, InvalidInput, require_text
from core.money import amount_units
from worklogs.locks import lock_worker, lock_worklog
from worklogs.models import Adjustment, ItemKind, WorkLog
from worklogs.services.items import item_add

MAX_ADJUSTMENT = Decimal("1000000")


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
    """A retroactive deduction (negative) or bonus (positive); it may exceed what was earned."""
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
    return adjustment


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
    existing adjustment (created False) and with other fields is a conflict. Returns (adjustment, created).

    An external id is unique across all worklogs, so two requests carrying it for different workers
    do not queue on one lock: the loser meets the unique index, and is answered as a repeat.
    """
    fields = _AdjustmentFields(worklog=worklog, amount=amount, reason=reason, effective_date=effective_date)
    if not external_id:
        return adjustment_record(created_by=created_by, **fields), True
    stripped = _validated(amount=amount, reason=reason)
    lock_worker(worklog.worker_id)  # two requests for one worker queue here
    existing = Adjustment.objects.filter(external_id=external_id).first()
    if existing is None:
        try:
            with transaction.atomic():
                return adjustment_record(created_by=created_by, external_id=external_id, **fields), True
        except IntegrityError:
            existing = Adjustment.objects.filter(external_id=external_id).first()
            if existing is None:
                raise
    same = (existing.worklog_id, existing.amount, existing.reason, existing.effective_date) == (
        worklog.pk,
        amount,
        stripped,
        effective_date,
    )
    if not same:
        raise Conflict(
            f"externalId {external_id!r} was already recorded as another adjustment.", code="external_id_reused"
        )
    return existing, False
