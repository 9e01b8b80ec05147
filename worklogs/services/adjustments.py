"""Retroactive deductions and bonuses."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from ledger.errors import Conflict, InvalidInput, require_text
from ledger.money import amount_units
from worklogs.models import Adjustment, ItemKind, WorkLog
from worklogs.services.items import item_add
from worklogs.services.locks import lock_worker, lock_worklog

MAX_ADJUSTMENT = Decimal("1000000")


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
    created_by=None,
    external_id: str | None = None,
) -> tuple[Adjustment, bool]:
    """`adjustment_record`, where re-sending an `external_id` with the same fields returns the
    existing adjustment (created False) and with other fields is a conflict. Returns (adjustment, created)."""
    if external_id:
        lock_worker(worklog.worker_id)  # two requests with one external id queue here
        existing = Adjustment.objects.filter(external_id=external_id).first()
        if existing is not None:
            same = (existing.worklog_id, existing.amount, existing.reason, existing.effective_date) == (
                worklog.pk,
                amount,
                require_text(reason),
                effective_date,
            )
            if same:
                return existing, False
            raise Conflict(
                f"externalId {external_id!r} was already recorded as another adjustment.", code="external_id_reused"
            )
    adjustment = adjustment_record(
        worklog=worklog,
        amount=amount,
        reason=reason,
        effective_date=effective_date,
        created_by=created_by,
        external_id=external_id,
    )
    return adjustment, True
