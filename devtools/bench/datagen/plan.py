"""What the synthetic data set holds (its sizes, from the scale) and the state carried between load phases."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from core.money import EXACT_UNITS_PER_CENT
from settlements.selectors import default_period_end

WORKLOGS_PER_WORKER = 20
TASKS = 1000
SEGMENTS_PER_WORKER = 200
ADJUSTMENTS_PER_WORKER = 5
REMOVED_SHARE = 0.02
DISPUTED_SHARE = 0.02
ACTIVE_WORKLOG_SHARE = 0.75
BATCH_WORKERS = 250
BULK_TABLES = ("worklogs_segment", "worklogs_item", "ledger_journalentry", "ledger_posting")
ACCOUNT_KINDS = ("EXPENSE", "PAYABLE", "IN_TRANSIT", "CASH")
HALF_CENT = EXACT_UNITS_PER_CENT // 2


def round_cents(units: int) -> int:
    """core.money.round_exact in integer cents: floor(100x + 1/2), exact for negatives too."""
    return (units + HALF_CENT) // EXACT_UNITS_PER_CENT


def money_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def copy_ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S+00")


def copy_row(*values) -> str:
    return "\t".join(r"\N" if v is None else str(v) for v in values) + "\n"


@dataclass
class Plan:
    scale: float = 1.0
    history: float = 0.5
    seed: int = 20261031
    workers: int = field(init=False)
    worklogs: int = field(init=False)
    month1_per_worker: int = field(init=False)
    period1_end: date = field(init=False)
    period2_end: date = field(init=False)

    def __post_init__(self):
        self.workers = max(4, round(10_000 * self.scale))
        self.worklogs = self.workers * WORKLOGS_PER_WORKER
        self.month1_per_worker = max(1, round(SEGMENTS_PER_WORKER * self.history))
        self.period2_end = default_period_end()
        self.period1_end = self.period2_end.replace(day=1) - timedelta(days=1)

    @property
    def segments_to_settle(self) -> int:
        return self.workers * SEGMENTS_PER_WORKER

    def as_dict(self) -> dict:
        return {
            "scale": self.scale,
            "workers": self.workers,
            "worklogs": self.worklogs,
            "segments_history": self.workers * self.month1_per_worker,
            "segments_to_settle": self.segments_to_settle,
            "adjustments": self.workers * ADJUSTMENTS_PER_WORKER,
            "period_paid": self.period1_end.isoformat(),
            "period_settled": self.period2_end.isoformat(),
        }


@dataclass
class PendingRemoval:
    """A segment to be removed later: what its reversal needs."""

    segment_id: int
    earning_id: int
    worklog_id: int
    units: int
    work_date: date
    effective_date: date | None = None


@dataclass
class State:
    """What the second load phase needs from the first (ids, running totals)."""

    rate_cents: list[int] = field(default_factory=list)  # by worklog id (index 0 unused)
    running_units: list[int] = field(default_factory=list)  # by worklog id
    next_segment_id: int = 1
    next_item_id: int = 1
    next_entry_id: int = 1
    clawbacks: dict[int, list[PendingRemoval]] = field(default_factory=lambda: defaultdict(list))  # by worker
