"""The only place items are created: under the worklog lock, with API.md's rounding rule."""

from datetime import date

from django.db.models import F

from core.money import cents_of_next_item, round_exact, segment_units
from ledger.models import Account, AccountKind
from ledger.services import EntrySpec, accounts_open_for_party, entries_post, entry_post
from worklogs.models import Adjustment, Item, ItemKind, Segment, WorkLog


def _expense_and_payable(worker_id: int, currency: str) -> tuple[Account, Account]:
    """The worker's two accounts an item posts to, in one query (opened on the worker's first item)."""
    found = {
        account.kind: account
        for account in Account.objects.filter(
            party=worker_id, currency=currency, kind__in=(AccountKind.EXPENSE, AccountKind.PAYABLE)
        )
    }
    if len(found) < 2:
        found = accounts_open_for_party(party=worker_id, currency=currency)
    return found[AccountKind.EXPENSE], found[AccountKind.PAYABLE]


def item_add(
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
        expense, payable = _expense_and_payable(worklog.worker_id, worklog.currency)
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


def earnings_add(*, worklogs: dict[int, WorkLog], segments: list[Segment]) -> list[Item]:
    """The earnings of new segments of one worker, on worklogs the caller has locked: what `item_add`
    does for each, in the segments' order, with one insert of items, one of ledger entries and one
    update per worklog. Sets `earning_amount` on each segment (its cents, as `segment_list` reads it)."""
    items = []
    added: dict[int, tuple[int, int]] = {}  # worklog id -> (items, exact units)
    for segment in segments:
        worklog = worklogs[segment.worklog_id]
        units = segment_units(seconds=segment.seconds, hourly_rate=segment.hourly_rate)
        cents = cents_of_next_item(total_before=worklog.exact_units, item_units=units)
        items.append(
            Item(
                worklog=worklog,
                worker_id=worklog.worker_id,
                kind=ItemKind.EARNING,
                exact_units=units,
                amount=cents,
                segment=segment,
                work_date=segment.work_date,
            )
        )
        worklog.exact_units += units
        worklog.amount = round_exact(worklog.exact_units)
        worklog.item_count += 1
        count, total = added.get(worklog.pk, (0, 0))
        added[worklog.pk] = (count + 1, total + units)
        segment.earning_amount = cents  # type: ignore[attr-defined]  # what `selectors.segment_list` annotates
    items = Item.objects.bulk_create(items)
    for pk, (count, units) in added.items():
        WorkLog.objects.filter(pk=pk).update(
            exact_units=F("exact_units") + units, amount=worklogs[pk].amount, item_count=F("item_count") + count
        )
    paying = [item for item in items if item.amount]
    if paying:
        first = worklogs[paying[0].worklog_id]
        expense, payable = _expense_and_payable(first.worker_id, first.currency)
        specs = [
            EntrySpec(
                cause=ItemKind.EARNING,
                reference=f"item:{item.pk}",
                party=item.worker_id,
                memo=f"worklog {item.worklog_id}",
                lines=[(expense, item.amount), (payable, -item.amount)],
            )
            for item in paying
        ]
        entries_post(specs=specs)
    return items
