"""A crowd of workers owed known amounts, written in bulk: what `segment_record` writes for one segment
each (the segment, its earning item, the worklog's running totals, the ledger entry), a few statements
for thousands of workers instead of a few thousand services. The autouse audit (tests/conftest.py)
checks after each test that it is exactly what the services would have written.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from core.money import round_exact, segment_units
from ledger.models import Account, AccountKind
from ledger.services import WORKER_ACCOUNT_KINDS, EntrySpec, accounts_for_parties, entries_post
from worklogs.models import Item, ItemKind, Segment, SegmentStatus, Task, Worker, WorkLog

RATE = Decimal("45.39")


def crowd_owed(count: int, *, month: date = date(2024, 10, 1)) -> dict[int, Decimal]:
    """`count` USD workers, the i-th owed one segment of (i % 600 + 1) minutes at 45.39/h in `month`:
    {worker id: amount}."""
    task = Task.objects.create(title="Crowd task")
    workers = Worker.objects.bulk_create(
        Worker(name=f"Crowd {i}", email=f"crowd{i}@example.test", currency="USD") for i in range(count)
    )
    seconds = [60 * (i % 600 + 1) for i in range(count)]
    units = [segment_units(seconds=s, hourly_rate=RATE) for s in seconds]
    worklogs = WorkLog.objects.bulk_create(
        WorkLog(
            worker=worker,
            task=task,
            hourly_rate=RATE,
            currency="USD",
            exact_units=u,
            amount=round_exact(u),
            item_count=1,
        )
        for worker, u in zip(workers, units, strict=True)
    )
    starts = [datetime(month.year, month.month, 1 + i % 28, 8, tzinfo=UTC) for i in range(count)]
    segments = Segment.objects.bulk_create(
        Segment(
            worklog=worklog,
            worker_id=worklog.worker_id,
            started_at=start,
            ended_at=start + timedelta(seconds=s),
            seconds=s,
            work_date=start.date(),
            hourly_rate=RATE,
            status=SegmentStatus.ACTIVE,
        )
        for worklog, start, s in zip(worklogs, starts, seconds, strict=True)
    )
    items = Item.objects.bulk_create(
        Item(
            worklog=worklog,
            worker_id=worklog.worker_id,
            kind=ItemKind.EARNING,
            exact_units=u,
            amount=round_exact(u),
            segment=segment,
            work_date=segment.work_date,
        )
        for worklog, segment, u in zip(worklogs, segments, units, strict=True)
    )
    # What `accounts_open_for_party` opens for each worker, in one insert; then found by the service.
    Account.objects.bulk_create(
        Account(
            party=w.pk,
            kind=kind,
            currency="USD",
            code=f"worker:{w.pk}:{kind.lower()}:USD",
            name=f"{AccountKind(kind).label} — worker {w.pk}",
        )
        for w in workers
        for kind in WORKER_ACCOUNT_KINDS
    )
    accounts = accounts_for_parties(parties=[w.pk for w in workers], currency_by_party={w.pk: "USD" for w in workers})
    entries_post(
        specs=[
            EntrySpec(
                cause=ItemKind.EARNING,
                reference=f"item:{item.pk}",
                party=item.worker_id,
                memo=f"worklog {item.worklog_id}",
                lines=[
                    (accounts[item.worker_id][AccountKind.EXPENSE], item.amount),
                    (accounts[item.worker_id][AccountKind.PAYABLE], -item.amount),
                ],
            )
            for item in items
        ]
    )
    return {item.worker_id: item.amount for item in items}
