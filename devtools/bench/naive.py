"""The baseline: the settlement as a simple, honest per-row ORM loop.

What a first implementation usually looks like: lock a worker, walk its items one by one, ask the
database about each (its latest claim, its segment, its reversal), then create the remittance, one
claim per item and the ledger entry. Same rules and same result as `settlement_run_execute`; the
benchmark runs it on a sample of workers and extrapolates.
"""

from decimal import Decimal

from django.db import transaction

from ledger.models import AccountKind
from ledger.services import EntrySpec, accounts_for_parties, entry_post
from settlements.models import (
    LIVE_REMITTANCE_STATUSES,
    Claim,
    Remittance,
    RemittanceEvent,
    RemittanceStatus,
    SettlementRun,
)
from worklogs.models import Item, ItemKind, SegmentStatus, Worker


def _eligible(item: Item, period_end) -> tuple[bool, int]:
    """(eligible, next claim generation) for one item, asked of the database row by row."""
    latest = Claim.objects.filter(item=item).order_by("-generation").first()
    if latest is not None and latest.remittance.status in LIVE_REMITTANCE_STATUSES:
        return False, 0
    generation = (latest.generation if latest else 0) + 1
    if item.work_date is not None and item.work_date > period_end:
        return False, 0
    if item.effective_date is not None and item.effective_date > period_end:
        return False, 0
    if item.kind == ItemKind.EARNING:
        assert item.segment is not None  # an earning has its segment (a CHECK constraint); read once, cached
        if item.segment.status == SegmentStatus.DISPUTED:
            return False, 0
        reversal = Item.objects.filter(reverses=item).first()
        if reversal is not None and reversal.effective_date is not None and reversal.effective_date > period_end:
            return False, 0
    return True, generation


def naive_settle(*, run: SettlementRun, worker_ids: list[int]) -> int:
    """Settle these workers for the run's period; returns the number of items claimed."""
    claimed = 0
    for worker_id in worker_ids:
        with transaction.atomic():
            worker = Worker.objects.select_for_update().get(pk=worker_id)
            if Remittance.objects.filter(
                worker=worker, period_end=run.period_end, status__in=LIVE_REMITTANCE_STATUSES
            ).exists():
                continue
            chosen = []
            for item in Item.objects.filter(worker=worker).order_by("pk"):
                ok, generation = _eligible(item, run.period_end)
                if ok:
                    chosen.append((item, generation))
            total = sum((item.amount for item, _ in chosen), Decimal("0.00"))
            if total <= 0:
                continue
            remittance = Remittance.objects.create(
                run=run, worker=worker, period_end=run.period_end, amount=total, currency=worker.currency
            )
            for item, generation in chosen:
                Claim.objects.create(
                    item=item,
                    generation=generation,
                    remittance=remittance,
                    worklog_id=item.worklog_id,
                    amount=item.amount,
                )
            RemittanceEvent.objects.create(remittance=remittance, from_status="", to_status=RemittanceStatus.PENDING)
            accounts = accounts_for_parties(parties=[worker.pk], currency_by_party={worker.pk: worker.currency})[
                worker.pk
            ]
            entry_post(
                spec=EntrySpec(
                    cause="REMITTANCE_ISSUED",
                    reference=f"remittance:{remittance.pk}",
                    party=worker.pk,
                    lines=[(accounts[AccountKind.PAYABLE], total), (accounts[AccountKind.IN_TRANSIT], -total)],
                )
            )
            claimed += len(chosen)
    return claimed
