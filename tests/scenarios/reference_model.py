"""The reference model of the property test (test_property.py): what API.md says the state must be.

Written from API.md alone (it imports nothing from the product's money code): every item's exact value
is a `Fraction`, its cents follow "round(total after) - round(total before)" with
round(x) = floor(100x + 1/2) / 100, and money rules 2-6 decide which items are claimed, paid or held.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

ZERO = Decimal("0.00")
LIVE = ("PENDING", "PAID")
WORKLOGS_PER_WORKER = 2


def round_half_up(x: Fraction) -> Decimal:
    cents = (100 * x + Fraction(1, 2)).__floor__()
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


@dataclass
class MItem:
    worklog: int
    kind: str
    exact: Fraction
    cents: Decimal
    work_date: date | None = None
    effective_date: date | None = None
    segment: int | None = None
    reverses: int | None = None
    remittance: int | None = None  # the remittance of its latest claim
    pk: int | None = None


@dataclass
class MSegment:
    worklog: int
    worker: int
    start: datetime
    end: datetime
    rate: Decimal
    status: str = "ACTIVE"
    earning: int | None = None
    pk: int | None = None


@dataclass
class MRemittance:
    worker: int
    period_end: date
    amount: Decimal
    items: list[int]
    status: str = "PENDING"
    pk: int | None = None


@dataclass
class MWorkLog:
    worker: int
    rate: Decimal
    exact_total: Fraction = Fraction(0)
    items: list[int] = field(default_factory=list)


class Model:
    """What API.md says the state must be. Indices everywhere; DB ids only to compare."""

    def __init__(self, rates: list[Decimal], workers: int):
        self.worklogs = [MWorkLog(worker=i // WORKLOGS_PER_WORKER, rate=rate) for i, rate in enumerate(rates)]
        self.workers = workers
        self.items: list[MItem] = []
        self.segments: list[MSegment] = []
        self.remittances: list[MRemittance] = []

    # --- items ------------------------------------------------------------------------------

    def add_item(self, worklog: int, kind: str, exact: Fraction, **fields) -> int:
        wl = self.worklogs[worklog]
        cents = round_half_up(wl.exact_total + exact) - round_half_up(wl.exact_total)
        wl.exact_total += exact
        self.items.append(MItem(worklog=worklog, kind=kind, exact=exact, cents=cents, **fields))
        wl.items.append(len(self.items) - 1)
        return len(self.items) - 1

    def settled(self, i: int) -> bool:
        r = self.items[i].remittance
        return r is not None and self.remittances[r].status in LIVE

    def reversal_of(self, i: int) -> MItem | None:
        return next((it for it in self.items if it.reverses == i), None)

    def eligible(self, i: int, period_end: date) -> bool:
        """Money rule 4 (and 2, 3): unsettled, not held, due by the period end."""
        item = self.items[i]
        if self.settled(i):
            return False
        due = (item.work_date is None or item.work_date <= period_end) and (
            item.effective_date is None or item.effective_date <= period_end
        )
        if item.kind == "EARNING":
            if self.segments[item.segment].status == "DISPUTED":
                return False
            reversal = self.reversal_of(i)
            # An unpaid earning settles together with its reversal, never before it is due.
            if reversal is not None and reversal.effective_date is not None and reversal.effective_date > period_end:
                return False
        return due

    # --- segments -----------------------------------------------------------------------------

    def overlaps(self, worker: int, start: datetime, end: datetime, ignore: int | None = None) -> bool:
        return any(
            s.worker == worker and s.status in ("ACTIVE", "DISPUTED") and s.start < end and start < s.end
            for k, s in enumerate(self.segments)
            if k != ignore
        )

    def add_segment(self, worklog: int, start: datetime, end: datetime, rate: Decimal) -> int:
        worker = self.worklogs[worklog].worker
        self.segments.append(MSegment(worklog=worklog, worker=worker, start=start, end=end, rate=rate))
        k = len(self.segments) - 1
        exact = Fraction(int((end - start).total_seconds())) * Fraction(rate) / 3600
        self.segments[k].earning = self.add_item(worklog, "EARNING", exact, work_date=start.date(), segment=k)
        return k

    def reverse(self, k: int, effective_date: date | None) -> None:
        segment = self.segments[k]
        earning = self.items[segment.earning]
        self.add_item(
            segment.worklog,
            "REVERSAL",
            -earning.exact,
            work_date=earning.work_date,
            effective_date=effective_date,
            segment=k,
            reverses=segment.earning,
        )

    # --- settlement ------------------------------------------------------------------------

    def generate(self, period_end: date) -> dict[int, tuple[Decimal, list[int]]]:
        """{worker: (amount, items)} for the remittances a run for `period_end` must create."""
        created = {}
        for worker in range(self.workers):
            if any(r.worker == worker and r.period_end == period_end and r.status in LIVE for r in self.remittances):
                continue
            items = [
                i
                for i, it in enumerate(self.items)
                if self.worklogs[it.worklog].worker == worker and self.eligible(i, period_end)
            ]
            total = sum((self.items[i].cents for i in items), ZERO)
            if total > 0:
                created[worker] = (total, items)
        return created

    # --- expected figures --------------------------------------------------------------------

    def worklog_figures(self, w: int) -> dict:
        items = self.worklogs[w].items
        amount = sum((self.items[i].cents for i in items), ZERO)
        paid = [i for i in items if self._paid(i)]
        remitted = sum((self.items[i].cents for i in paid), ZERO)
        status = "REMITTED" if items and len(paid) == len(items) else "UNREMITTED"
        assert amount == round_half_up(self.worklogs[w].exact_total)  # the model's own rounding rule
        return {"amount": amount, "remitted_amount": remitted, "remittance_status": status}

    def _paid(self, i: int) -> bool:
        r = self.items[i].remittance
        return r is not None and self.remittances[r].status == "PAID"

    def balance(self, worker: int) -> dict:
        total = sum(
            (self.worklog_figures(w)["amount"] for w, wl in enumerate(self.worklogs) if wl.worker == worker), ZERO
        )
        mine = [r for r in self.remittances if r.worker == worker]
        pending = sum((r.amount for r in mine if r.status == "PENDING"), ZERO)
        remitted = sum((r.amount for r in mine if r.status == "PAID"), ZERO)
        return {"unremitted": total - pending - remitted, "pending": pending, "remitted": remitted}
