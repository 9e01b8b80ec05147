"""`manage.py audit_totals` finds any cached total that drifted from the facts, and passes on real history."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from ledger.models import Account, AccountKind
from ledger.services import EntrySpec, entry_post
from settlements import services as settlement_services
from settlements.models import Remittance, RemittanceStatus
from settlements.selectors.audit import Difference, audit_all
from tests.support.factories import TaskFactory, WorkerFactory, WorkLogFactory
from worklogs import services as worklog_services
from worklogs.models import WorkLog

pytestmark = pytest.mark.django_db

OCT = date(2025, 10, 31)
NOV = date(2025, 11, 30)


class _Rollback(Exception):
    """Raised to undo a deliberate tampering, so the test leaves a consistent database behind."""


def _at(day: int, hour: int, month: int = 10) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def _record(worklog, start: datetime, minutes: int):
    segment, created = worklog_services.segment_record(
        worklog=worklog, started_at=start, ended_at=start + timedelta(minutes=minutes)
    )
    assert created
    return segment


def _real_history() -> dict:
    """Every kind of money event: rounding, dispute, payment, clawback, failure, deduction, bonus."""
    alice = WorkerFactory(name="Alice")
    bob = WorkerFactory(name="Bob", currency="EUR")
    a1 = WorkLogFactory(worker=alice, task=TaskFactory(), hourly_rate=Decimal("10.00"))
    a2 = WorkLogFactory(worker=alice, task=TaskFactory(), hourly_rate=Decimal("45.39"))
    b1 = WorkLogFactory(worker=bob, task=TaskFactory(), hourly_rate=Decimal("45.39"))
    thirds = [_record(a1, _at(1, hour), 20) for hour in (9, 10, 11)]  # 3.33 + 3.34 + 3.33
    _record(a2, _at(2, 9), 10)  # 7.57
    disputed = _record(a2, _at(3, 9), 10)
    worklog_services.segment_dispute(segment=disputed, reason="not on this task")
    _record(b1, _at(4, 9), 10)
    run = settlement_services.settlement_generate(period_end=OCT)
    by_worker = {r.worker_id: r for r in run.remittances.all()}
    settlement_services.remittance_mark_paid(remittance=by_worker[alice.pk])
    settlement_services.remittance_mark_failed(remittance=by_worker[bob.pk], reason="bank refused")
    worklog_services.segment_remove(segment=thirds[1], reason="duplicate")  # clawback of a paid earning
    worklog_services.segment_resolve(segment=disputed, resolution="ACCEPT")
    worklog_services.adjustment_record(worklog=a1, amount=Decimal("-20.00"), reason="equipment")
    worklog_services.adjustment_record(worklog=b1, amount=Decimal("5.00"), reason="bonus", effective_date=NOV)
    worklog_services.worklog_rate_change(worklog=a1, hourly_rate=Decimal("12.50"))
    _record(a1, _at(2, 9, month=11), 30)
    nov_run = settlement_services.settlement_generate(period_end=NOV)
    return {"alice": alice, "bob": bob, "a1": a1, "a2": a2, "b1": b1, "oct": run, "nov": nov_run}


def _tampered(tamper) -> list[Difference]:
    """Apply `tamper`, audit, and roll both back."""
    with pytest.raises(_Rollback), transaction.atomic():
        tamper()
        found = audit_all()
        raise _Rollback
    return found


def test_audit_passes_on_a_real_history_and_the_command_says_so():
    history = _real_history()
    assert history["nov"].remittances.count() == 1  # Bob's released October money plus his bonus
    # 10.00 earned, 3.33 clawed back (exact 10/3), 20.00 deducted, 6.25 earned at the new rate: -7.0833...
    assert WorkLog.objects.get(pk=history["a1"].pk).amount == Decimal("-7.08")

    assert audit_all() == []
    out = StringIO()
    call_command("audit_totals", stdout=out)
    assert out.getvalue().strip() == "audit_totals: 3 worklogs, 2 workers checked, no difference"


def test_audit_finds_a_tampered_worklog_amount():
    history = _real_history()
    worklog = WorkLog.objects.get(pk=history["a1"].pk)

    found = _tampered(lambda: WorkLog.objects.filter(pk=worklog.pk).update(amount=worklog.amount + Decimal("0.01")))

    assert Difference("worklog", worklog.pk, "amount", worklog.amount + Decimal("0.01"), worklog.amount) in found
    # The ledger still agrees with the items; only what the API derives from the cache is blamed.
    assert {(d.scope, d.field) for d in found} == {("worklog", "amount"), ("worker", "balance.unremitted")}


@pytest.mark.parametrize(
    ("field", "delta"),
    [("remitted_amount", Decimal("1.00")), ("paid_item_count", 1), ("item_count", -1), ("exact_units", 3600)],
)
def test_audit_finds_each_tampered_running_total(field, delta):
    history = _real_history()
    worklog = WorkLog.objects.get(pk=history["a2"].pk)
    cached = getattr(worklog, field)

    found = _tampered(lambda: WorkLog.objects.filter(pk=worklog.pk).update(**{field: cached + delta}))

    assert Difference("worklog", worklog.pk, field, cached + delta, cached) in found


def test_audit_finds_a_ledger_entry_that_no_remittance_explains():
    history = _real_history()
    bob = history["bob"]

    def pay_bob_behind_the_remittances():
        accounts = {a.kind: a for a in Account.objects.filter(party=bob.pk)}
        entry_post(
            spec=EntrySpec(
                cause="MANUAL",
                reference="tamper",
                party=bob.pk,
                lines=[
                    (accounts[AccountKind.PAYABLE], Decimal("2.00")),
                    (accounts[AccountKind.CASH], Decimal("-2.00")),
                ],
            )
        )

    found = _tampered(pay_bob_behind_the_remittances)

    ledger = {d.field: (d.cached, d.recomputed) for d in found if d.scope == "worker" and d.object_id == bob.pk}
    assert ledger["ledger.remitted"] == (Decimal("2.00"), Decimal("0.00"))
    assert ledger["ledger.unremitted"][0] == ledger["ledger.unremitted"][1] - Decimal("2.00")


def test_audit_finds_a_remittance_that_is_not_the_sum_of_its_claims():
    history = _real_history()
    made = []

    def remittance_without_claims():
        # Remittance amounts cannot be updated on PostgreSQL (trigger), so insert one that claims nothing.
        made.append(
            Remittance.objects.create(
                run=history["nov"],
                worker=history["bob"],
                period_end=date(2025, 9, 30),
                amount=Decimal("3.00"),
                currency="EUR",
                status=RemittanceStatus.PENDING,
            )
        )

    found = _tampered(remittance_without_claims)

    assert Difference("remittance", made[0].pk, "amount", Decimal("3.00"), Decimal("0.00")) in found


def test_command_prints_each_difference_and_exits_1():
    history = _real_history()
    worklog = WorkLog.objects.get(pk=history["b1"].pk)
    out = StringIO()

    def tamper_and_run():
        WorkLog.objects.filter(pk=worklog.pk).update(remitted_amount=Decimal("99.00"))
        call_command("audit_totals", stdout=out)

    with pytest.raises(CommandError) as error, transaction.atomic():
        tamper_and_run()

    assert error.value.returncode == 1
    assert f"worklog {worklog.pk} remitted_amount: cached 99.00, recomputed 0.00" in out.getvalue().splitlines()
    assert "no difference" not in out.getvalue()


def test_items_netting_to_exactly_zero_issue_no_payout_and_leave_exact_figures():
    # 0.10 + 0.20 - 0.30 is 0 in NUMERIC, but 5.55e-17 when a database sums it as a float (SQLite).
    worklog = WorkLogFactory()
    for amount in ("0.10", "0.20", "-0.30"):
        worklog_services.adjustment_record(worklog=worklog, amount=Decimal(amount), reason="netting")

    run = settlement_services.settlement_generate(period_end=OCT)

    assert run.remittances.count() == 0  # money rule 5: a total <= 0 issues nothing
    assert audit_all() == []
