"""Retroactive deductions and bonuses."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from ledger.errors import InvalidInput, require_text
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
