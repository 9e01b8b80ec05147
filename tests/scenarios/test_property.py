"""Random histories through the services, checked step by step against an independent reference model.

The model (reference_model.py) is written from API.md alone and imports nothing from the product's money
code. After every step, the worklogs, balances, ledger and remittances the services produced must equal the
model's, to the cent; each generate must create exactly the remittances the model predicts, claiming
exactly the items it predicts. Each example runs in a transaction that is rolled back.
"""

import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from core.errors import Conflict
from settlements import services as settlement_services
from settlements.models import Claim, Remittance
from settlements.selectors import settlement_preview_totals
from settlements.selectors.audit import audit_all
from tests.scenarios.model_checks import assert_list_endpoint_matches, assert_new_items_match, assert_state_matches
from tests.scenarios.reference_model import WORKLOGS_PER_WORKER, Model, MRemittance
from worklogs import services as worklog_services
from worklogs.models import Item, Segment

pytestmark = pytest.mark.django_db

RATES = [Decimal("45.39"), Decimal("10.00"), Decimal("12.50"), Decimal("99.99")]
DAYS = [date(2025, 10, 5), date(2025, 11, 10), date(2025, 12, 3)]
PERIOD_ENDS = [date(2025, 10, 31), date(2025, 11, 30), date(2025, 12, 31)]
EFFECTIVE_DATES = [None, date(2025, 10, 15), date(2025, 11, 20), date(2025, 12, 31)]
DURATIONS = [1, 7, 10, 20, 45]  # minutes; with starts at :00 or :30 some overlap, none cross an hour
ADJUSTMENTS = [Decimal(a) for a in ("-20.00", "-3.33", "0.01", "5.00", "12.34")]


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


# (index, any): usually an index among the rows the action applies to, sometimes among all rows (the 409 paths).
any_row = st.integers(min_value=0, max_value=3).map(lambda n: n == 0)  # one time in four
pick = st.tuples(st.integers(min_value=0, max_value=10_000), any_row)
slot = {
    "day": st.sampled_from(DAYS),
    "hour": st.integers(min_value=9, max_value=11),
    "minute": st.sampled_from([0, 30]),
    "minutes": st.sampled_from(DURATIONS),
}


class SettlementMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each example lives in a savepoint rolled back at teardown, so examples never see each other.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        workers = [
            worklog_services.worker_create(name=f"P{i}", currency=currency) for i, currency in enumerate(["USD", "EUR"])
        ]
        rates = [RATES[0], RATES[1], RATES[1], RATES[0]]
        self.worklogs = []
        for i, rate in enumerate(rates):
            task = worklog_services.task_create(title=f"T{i}")
            worker = workers[i // WORKLOGS_PER_WORKER]
            self.worklogs.append(worklog_services.worklog_create(worker=worker, task=task, hourly_rate=rate))
        self.workers = workers
        self.model = Model(rates, workers=len(workers))
        self.last_item_pk = Item.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def teardown(self):
        try:
            assert_list_endpoint_matches(self.model, self.worklogs)
            assert audit_all() == []
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    # --- helpers ----------------------------------------------------------------------------

    def _segment(self, pick: tuple[int, bool], statuses: tuple[str, ...]) -> tuple[int, Segment]:
        index, any_segment = pick
        candidates = [k for k, s in enumerate(self.model.segments) if any_segment or s.status in statuses]
        candidates = candidates or list(range(len(self.model.segments)))
        k = candidates[index % len(candidates)]
        return k, Segment.objects.get(pk=self.model.segments[k].pk)

    def _expect_conflict(self, call) -> None:
        with pytest.raises(Conflict):
            call()

    # --- rules: time --------------------------------------------------------------------------

    @initialize(days=st.lists(st.sampled_from(DAYS), min_size=4, max_size=4), minutes=st.sampled_from(DURATIONS))
    def some_time_on_every_worklog(self, days, minutes):
        """Start from some earnings, so that the 25 steps spend their time on what happens to them."""
        for worklog, day in enumerate(days):
            self.record(worklog=worklog, new_rate=None, day=day, hour=8, minute=worklog % 2 * 30, minutes=minutes)

    @rule(worklog=st.integers(min_value=0, max_value=3), new_rate=st.sampled_from([None, None, *RATES]), **slot)
    def record(self, worklog, new_rate, day, hour, minute, minutes):
        """Record time, sometimes right after a rate change (which must touch no existing item)."""
        wl = self.model.worklogs[worklog]
        if new_rate is not None:
            changed = worklog_services.worklog_rate_change(worklog=self.worklogs[worklog], hourly_rate=new_rate)
            assert changed.hourly_rate == new_rate
            wl.rate = new_rate
        start = _at(day, hour, minute)
        end = start + timedelta(minutes=minutes)

        def call():
            return worklog_services.segment_record(worklog=self.worklogs[worklog], started_at=start, ended_at=end)

        if self.model.overlaps(wl.worker, start, end):
            self._expect_conflict(call)
            return
        segment, created = call()
        assert created
        k = self.model.add_segment(worklog, start, end, wl.rate)
        self.model.segments[k].pk = segment.pk
        assert segment.hourly_rate == wl.rate

    @precondition(lambda self: self.model.segments)
    @rule(pick=pick)
    def dispute(self, pick):
        k, segment = self._segment(pick, ("ACTIVE",))
        call = lambda: worklog_services.segment_dispute(segment=segment, reason="why")  # noqa: E731
        if self.model.segments[k].status != "ACTIVE":
            self._expect_conflict(call)
            return
        assert call().status == "DISPUTED"
        self.model.segments[k].status = "DISPUTED"

    @precondition(lambda self: self.model.segments)
    @rule(pick=pick, accept=st.booleans(), effective_date=st.sampled_from(EFFECTIVE_DATES))
    def resolve(self, pick, accept, effective_date):
        k, segment = self._segment(pick, ("DISPUTED",))
        resolution = "ACCEPT" if accept else "REMOVE"

        def call():
            return worklog_services.segment_resolve(
                segment=segment, resolution=resolution, effective_date=effective_date
            )

        if self.model.segments[k].status != "DISPUTED":
            self._expect_conflict(call)
            return
        assert call().status == ("ACTIVE" if accept else "REMOVED")
        self.model.segments[k].status = "ACTIVE" if accept else "REMOVED"
        if not accept:
            self.model.reverse(k, effective_date)

    @precondition(lambda self: self.model.segments)
    @rule(pick=pick, effective_date=st.sampled_from(EFFECTIVE_DATES))
    def remove(self, pick, effective_date):
        k, segment = self._segment(pick, ("ACTIVE", "DISPUTED"))

        def call():
            return worklog_services.segment_remove(segment=segment, reason="gone", effective_date=effective_date)

        if self.model.segments[k].status not in ("ACTIVE", "DISPUTED"):
            self._expect_conflict(call)
            return
        assert call().status == "REMOVED"
        self.model.segments[k].status = "REMOVED"
        self.model.reverse(k, effective_date)

    @precondition(lambda self: self.model.segments)
    @rule(pick=pick, effective_date=st.sampled_from(EFFECTIVE_DATES), **slot)
    def adjust(self, pick, effective_date, day, hour, minute, minutes):
        k, segment = self._segment(pick, ("ACTIVE", "DISPUTED"))
        original = self.model.segments[k]
        start = _at(day, hour, minute)
        end = start + timedelta(minutes=minutes)

        def call():
            return worklog_services.segment_adjust(
                segment=segment, started_at=start, ended_at=end, reason="fix", effective_date=effective_date
            )

        if original.status not in ("ACTIVE", "DISPUTED") or self.model.overlaps(original.worker, start, end, ignore=k):
            self._expect_conflict(call)
            return
        replacement = call()
        original.status = "SUPERSEDED"
        self.model.reverse(k, effective_date)
        new = self.model.add_segment(original.worklog, start, end, original.rate)
        self.model.segments[new].pk = replacement.pk
        assert (replacement.status, replacement.hourly_rate) == ("ACTIVE", original.rate)

    # --- rules: money corrections and rates -----------------------------------------------------

    @rule(
        worklog=st.integers(min_value=0, max_value=3),
        amount=st.sampled_from(ADJUSTMENTS),
        effective_date=st.sampled_from(EFFECTIVE_DATES),
    )
    def adjustment(self, worklog, amount, effective_date):
        adjustment = worklog_services.adjustment_record(
            worklog=self.worklogs[worklog], amount=amount, reason="adj", effective_date=effective_date
        )
        assert adjustment.amount == amount
        self.model.add_item(worklog, "ADJUSTMENT", Fraction(amount), effective_date=effective_date)

    # --- rules: settlement ----------------------------------------------------------------------

    @rule(period_end=st.sampled_from(PERIOD_ENDS))
    def generate(self, period_end):
        predicted = self.model.generate(period_end)
        # The dashboard's next-run figure (running totals less what is held) predicts the same run.
        expected_preview: dict[str, tuple[int, Decimal]] = {}
        for worker, (amount, _) in predicted.items():
            workers, total = expected_preview.get(self.workers[worker].currency, (0, Decimal("0.00")))
            expected_preview[self.workers[worker].currency] = (workers + 1, total + amount)
        preview = settlement_preview_totals(period_end=period_end)
        assert {c: (f.workers, f.total) for c, f in preview.items()} == expected_preview
        run = settlement_services.settlement_generate(period_end=period_end)
        created = list(run.remittances.order_by("pk"))
        worker_index = {w.pk: i for i, w in enumerate(self.workers)}
        assert {worker_index[r.worker_id]: r.amount for r in created} == {w: a for w, (a, _) in predicted.items()}
        for remittance in created:
            worker = worker_index[remittance.worker_id]
            amount, items = predicted[worker]
            assert (remittance.status, remittance.period_end) == ("PENDING", period_end)
            claimed = set(Claim.objects.filter(remittance=remittance).values_list("item_id", flat=True))
            assert claimed == {self.model.items[i].pk for i in items}
            self.model.remittances.append(
                MRemittance(worker=worker, period_end=period_end, amount=amount, items=items, pk=remittance.pk)
            )
            for i in items:
                self.model.items[i].remittance = len(self.model.remittances) - 1

    def _remittance(self, pick: tuple[int, bool]) -> tuple[MRemittance, Remittance]:
        index, any_remittance = pick
        candidates = [r for r in self.model.remittances if any_remittance or r.status == "PENDING"]
        candidates = candidates or self.model.remittances
        r = candidates[index % len(candidates)]
        return r, Remittance.objects.get(pk=r.pk)

    def _move(self, pick: tuple[int, bool], to_status: str, service) -> None:
        model_r, remittance = self._remittance(pick)
        if model_r.status != "PENDING":
            self._expect_conflict(lambda: service(remittance))
            return
        assert service(remittance).status == to_status
        model_r.status = to_status

    # One rule for the three transitions, so that generate and the remittance moves are drawn as often
    # as the segment actions (rules are drawn uniformly).
    @precondition(lambda self: self.model.remittances)
    @rule(pick=pick, to_status=st.sampled_from(["PAID", "PAID", "FAILED", "CANCELLED"]))
    def move_remittance(self, pick, to_status):
        service = {
            "PAID": lambda r: settlement_services.remittance_mark_paid(remittance=r),
            "FAILED": lambda r: settlement_services.remittance_mark_failed(remittance=r, reason="bank refused"),
            "CANCELLED": lambda r: settlement_services.remittance_cancel(remittance=r, reason="withdrawn"),
        }[to_status]
        self._move(pick, to_status, service)

    # --- what must hold after every step --------------------------------------------------------

    @invariant()
    def state_matches_the_model(self):
        self.last_item_pk = assert_new_items_match(self.model, self.worklogs, self.last_item_pk)
        assert_state_matches(self.model, self.worklogs, self.workers)


# Shrinking a failure can take minutes of database work; CI reports the unshrunk (<= 25 step) history.
# Set HYPOTHESIS_SHRINK=1 locally for a minimal one.
PHASES = [Phase.explicit, Phase.generate] + ([Phase.shrink] if os.environ.get("HYPOTHESIS_SHRINK") else [])


def test_random_histories_match_the_reference_model():
    run_state_machine_as_test(
        SettlementMachine,
        settings=settings(
            max_examples=60,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            database=None,
            phases=PHASES,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
