"""Recompute every cached total from the facts (items, claims, remittances, postings) and compare.

`WorkLog`'s running totals are caches written by services under locks; the ledger is a second,
independent record of the same money. `audit_all` recomputes both sides with set-based SQL
aggregates (plus one ordered stream of items for the per-item rounding rule) and returns every
difference; `manage.py audit_totals` prints them, and the test suite runs it after every test that
touched the database.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum

from core.money import MoneySum, cents_of_next_item, round_exact
from ledger.models import AccountKind, Posting
from ledger.selectors import month_close_differences, party_ledger_view, trial_balance
from settlements.models import (
    LIVE_REMITTANCE_STATUSES,
    Claim,
    Remittance,
    RemittanceStatus,
    RunStatus,
    SettlementRun,
    SettlementRunChunk,
)
from settlements.selectors.balances import worker_balance
from worklogs.models import Item, Worker, WorkLog

ZERO = Decimal("0.00")
ITEM_STREAM_CHUNK = 2000


@dataclass(frozen=True)
class Difference:
    """One cached (or recorded) figure that does not match its recomputation from the facts."""

    scope: str  # "worklog", "item", "worker", "remittance", "claim", "ledger" or "run"
    object_id: int | str
    field: str
    cached: object
    recomputed: object

    def __str__(self) -> str:
        return f"{self.scope} {self.object_id} {self.field}: cached {self.cached}, recomputed {self.recomputed}"


@dataclass(frozen=True)
class AuditReport:
    worklogs: int
    workers: int
    differences: list[Difference]


def _money(value: Decimal | None) -> Decimal:
    return ZERO if value is None else Decimal(value).quantize(ZERO)


def _paid_items() -> QuerySet[Item]:
    """Items whose latest claim is in a PAID remittance."""
    latest_status = Claim.objects.filter(item=OuterRef("pk")).order_by("-generation").values("remittance__status")[:1]
    return Item.objects.annotate(latest_status=Subquery(latest_status)).filter(latest_status=RemittanceStatus.PAID)


def _audit_worklog_totals() -> tuple[int, list[Difference], dict[int, Decimal]]:
    """Cached running totals against sums of items and paid claims. Also returns earned per worker."""
    by_items = {
        row["worklog_id"]: row
        for row in Item.objects.values("worklog_id")
        .annotate(amount=MoneySum("amount"), exact_units=Sum("exact_units"), n=Count("pk"))
        .order_by()
    }
    paid = {
        row["worklog_id"]: row
        for row in _paid_items().values("worklog_id").annotate(amount=MoneySum("amount"), n=Count("pk")).order_by()
    }
    differences: list[Difference] = []
    earned_by_worker: dict[int, Decimal] = defaultdict(lambda: ZERO)
    count = 0
    cached_rows = WorkLog.objects.order_by("pk").values_list(
        "pk", "worker_id", "amount", "exact_units", "item_count", "remitted_amount", "paid_item_count"
    )
    for pk, worker_id, amount, exact_units, item_count, remitted_amount, paid_item_count in cached_rows.iterator(
        chunk_size=ITEM_STREAM_CHUNK
    ):
        count += 1
        items = by_items.get(pk, {})
        paid_row = paid.get(pk, {})
        recomputed = {
            "amount": _money(items.get("amount")),
            "exact_units": items.get("exact_units") or 0,
            "item_count": items.get("n", 0),
            "remitted_amount": _money(paid_row.get("amount")),
            "paid_item_count": paid_row.get("n", 0),
        }
        cached = {
            "amount": _money(amount),
            "exact_units": exact_units,
            "item_count": item_count,
            "remitted_amount": _money(remitted_amount),
            "paid_item_count": paid_item_count,
        }
        differences += [
            Difference("worklog", pk, name, cached[name], recomputed[name])
            for name in cached
            if cached[name] != recomputed[name]
        ]
        rounded = round_exact(recomputed["exact_units"])
        if recomputed["amount"] != rounded:
            differences.append(Difference("worklog", pk, "amount=round(exact_units)", recomputed["amount"], rounded))
        earned_by_worker[worker_id] += recomputed["amount"]
    return count, differences, earned_by_worker


def _audit_item_cents() -> list[Difference]:
    """Each item's cents = round(exact total after it) - round(exact total before it), by id per worklog."""
    differences = []
    current_worklog, running = None, 0
    rows = Item.objects.order_by("worklog_id", "pk").values_list("worklog_id", "pk", "exact_units", "amount")
    for worklog_id, pk, exact_units, amount in rows.iterator(chunk_size=ITEM_STREAM_CHUNK):
        if worklog_id != current_worklog:
            current_worklog, running = worklog_id, 0
        expected = cents_of_next_item(total_before=running, item_units=exact_units)
        if _money(amount) != expected:
            differences.append(Difference("item", pk, "amount", _money(amount), expected))
        running += exact_units
    return differences


def _audit_claims_and_remittances() -> list[Difference]:
    """Claims copy their item; a remittance is the sum of its claims; an item is in one live remittance."""
    differences = []
    copied_wrong = Claim.objects.filter(~Q(amount=F("item__amount")) | ~Q(worklog_id=F("item__worklog_id")))
    for pk, amount, worklog_id, item_amount, item_worklog_id in copied_wrong.order_by("pk").values_list(
        "pk", "amount", "worklog_id", "item__amount", "item__worklog_id"
    ):
        if _money(amount) != _money(item_amount):
            differences.append(Difference("claim", pk, "amount", _money(amount), _money(item_amount)))
        if worklog_id != item_worklog_id:
            differences.append(Difference("claim", pk, "worklog_id", worklog_id, item_worklog_id))
    claim_sums = (
        Claim.objects.filter(remittance=OuterRef("pk")).order_by().values("remittance").annotate(t=MoneySum("amount"))
    )
    remittances = Remittance.objects.annotate(claimed=Subquery(claim_sums.values("t"))).order_by("pk")
    for pk, amount, claimed in remittances.values_list("pk", "amount", "claimed").iterator(
        chunk_size=ITEM_STREAM_CHUNK
    ):
        if _money(amount) != _money(claimed):
            differences.append(Difference("remittance", pk, "amount", _money(amount), _money(claimed)))
        if _money(amount) <= ZERO:  # money rule 5: a payout only for a total > 0
            differences.append(Difference("remittance", pk, "amount>0", _money(amount), "> 0.00"))
    twice = (
        Claim.objects.filter(remittance__status__in=LIVE_REMITTANCE_STATUSES)
        .values("item_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("item_id")
    )
    differences += [Difference("item", row["item_id"], "live_claims", row["n"], 1) for row in twice]
    return differences


def _remittance_totals_by_worker() -> dict[int, dict[str, Decimal]]:
    totals: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"pending": ZERO, "remitted": ZERO})
    rows = (
        Remittance.objects.filter(status__in=LIVE_REMITTANCE_STATUSES)
        .values("worker_id", "status")
        .annotate(total=MoneySum("amount"))
        .order_by()
    )
    for row in rows:
        key = "remitted" if row["status"] == RemittanceStatus.PAID else "pending"
        totals[row["worker_id"]][key] += _money(row["total"])
    return totals


def _ledger_by_party() -> dict[int, dict[str, Decimal]]:
    """party_ledger_view for every worker at once: one GROUP BY over the postings."""
    balances: dict[int, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(AccountKind.values, ZERO))
    rows = (
        Posting.objects.filter(account__party__isnull=False)
        .values("account__party", "account__kind")
        .annotate(total=MoneySum("amount"))
        .order_by()
    )
    for row in rows:
        balances[row["account__party"]][row["account__kind"]] += _money(row["total"])
    return {
        party: {
            "earned": b[AccountKind.EXPENSE],
            "unremitted": -b[AccountKind.PAYABLE],
            "pending": -b[AccountKind.IN_TRANSIT],
            "remitted": -b[AccountKind.CASH],
        }
        for party, b in balances.items()
    }


def _audit_workers(earned_by_worker: dict[int, Decimal], *, check_selectors: bool) -> tuple[int, list[Difference]]:
    """Per worker: the ledger, the remittances and the items tell the same story (money rule 8)."""
    differences = []
    remittances = _remittance_totals_by_worker()
    ledger = _ledger_by_party()
    empty_ledger = {"earned": ZERO, "unremitted": ZERO, "pending": ZERO, "remitted": ZERO}
    count = 0
    for worker in Worker.objects.order_by("pk").only("pk", "currency").iterator(chunk_size=ITEM_STREAM_CHUNK):
        count += 1
        earned = earned_by_worker.get(worker.pk, ZERO)
        paid_out = remittances.get(worker.pk, {"pending": ZERO, "remitted": ZERO})
        expected = {
            "earned": earned,
            "unremitted": earned - paid_out["pending"] - paid_out["remitted"],
            "pending": paid_out["pending"],
            "remitted": paid_out["remitted"],
        }
        recorded = ledger.get(worker.pk, empty_ledger)
        differences += [
            Difference("worker", worker.pk, f"ledger.{name}", recorded[name], expected[name])
            for name in expected
            if recorded[name] != expected[name]
        ]
        if check_selectors:
            differences += _audit_worker_selectors(worker, expected)
    return count, differences


def _audit_worker_selectors(worker: Worker, expected: dict[str, Decimal]) -> list[Difference]:
    """What the API's selectors answer (balance endpoint, ledger view) against the recomputation.

    Compared as returned, not rounded: services compare these figures (a total > 0 issues a payout), so
    a selector that sums NUMERIC as a float (SQLite) and answers 5.55E-17 for 0.00 is a difference.
    """
    differences = []
    view = party_ledger_view(party=worker.pk)
    balance = worker_balance(worker=worker)
    for name in ("unremitted", "pending", "remitted"):
        if balance[name] != expected[name]:
            differences.append(Difference("worker", worker.pk, f"balance.{name}", balance[name], expected[name]))
    for name in ("earned", "unremitted", "pending", "remitted"):
        if view[name] != expected[name]:
            differences.append(Difference("worker", worker.pk, f"ledger_view.{name}", view[name], expected[name]))
    return differences


def _audit_trial_balance() -> list[Difference]:
    return [
        Difference("ledger", currency, "trial_balance", total, ZERO)
        for currency, total in sorted(trial_balance().items())
        if total != ZERO
    ]


def _audit_month_closes() -> list[Difference]:
    """Each closed month's totals are its postings' sums; the closed months leave no gap."""
    return [
        Difference("ledger", f"{month:%Y-%m}", f"month_close.{kind}.{currency}" if kind else "month_close.gap", a, b)
        for month, kind, currency, a, b in month_close_differences()
    ]


def _audit_run_progress() -> list[Difference]:
    """A planned run's progress is its committed chunks: `workers_total` the plan's workers,
    `workers_done` the done chunks' workers, and a COMPLETED run has every chunk done."""
    differences = []
    rows = (
        SettlementRunChunk.objects.values("run_id")
        .annotate(total=Sum("workers"), done=Sum("workers", filter=Q(done_at__isnull=False)))
        .order_by("run_id")
    )
    runs = SettlementRun.objects.in_bulk([row["run_id"] for row in rows])
    for row in rows:
        run, done = runs[row["run_id"]], row["done"] or 0
        if run.workers_total != row["total"]:
            differences.append(Difference("run", run.pk, "workers_total", run.workers_total, row["total"]))
        if run.workers_done != done:
            differences.append(Difference("run", run.pk, "workers_done", run.workers_done, done))
        if run.status == RunStatus.COMPLETED and done != row["total"]:
            differences.append(Difference("run", run.pk, "COMPLETED with chunks left", done, row["total"]))
    return differences


def audit_report(*, check_selectors: bool = True) -> AuditReport:
    """Every check. `check_selectors` also compares the API's per-worker selectors (3 queries each)."""
    worklog_count, differences, earned_by_worker = _audit_worklog_totals()
    differences += _audit_item_cents()
    differences += _audit_claims_and_remittances()
    worker_count, worker_differences = _audit_workers(earned_by_worker, check_selectors=check_selectors)
    differences += worker_differences
    differences += _audit_trial_balance()
    differences += _audit_month_closes()
    differences += _audit_run_progress()
    return AuditReport(worklogs=worklog_count, workers=worker_count, differences=differences)


def audit_all(*, check_selectors: bool = True) -> list[Difference]:
    return audit_report(check_selectors=check_selectors).differences
