"""The database's side of four-eyes approval and RETURNED (issue 15), proven by writing past the services.

SQLite and PostgreSQL both refuse: an approver equal to the creator (CHECK), a payout submission for a
run awaiting approval (trigger), changing a decision (trigger). PostgreSQL also guards the remittance
state machine (PAID -> RETURNED allowed, nothing out of RETURNED) and settles concurrent approvals.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from settlements.models import PayoutSubmission, Remittance, SettlementRun
from settlements.services import remittance_mark_paid, remittance_mark_returned, settlement_generate
from settlements.services.approvals import settlement_run_approve
from tests.db_guards.threads import in_threads, token_client
from tests.support.factories import FinanceUserFactory, WorkLogFactory
from worklogs import services as worklog_services

PERIOD_END = date(2024, 10, 31)


def _run(created_by=None) -> SettlementRun:
    """A completed run awaiting approval, with one PENDING remittance of 10.00."""
    worklog = WorkLogFactory()
    started = datetime(2024, 10, 3, 9, 0, tzinfo=UTC)
    worklog_services.segment_record(worklog=worklog, started_at=started, ended_at=started + timedelta(hours=1))
    return settlement_generate(period_end=PERIOD_END, created_by=created_by)


def _submission(run: SettlementRun) -> PayoutSubmission:
    remittance = run.remittances.get()
    return PayoutSubmission(remittance=remittance, idempotency_key=f"direct-{remittance.pk}", gateway="simulated")


@pytest.mark.django_db
def test_the_database_refuses_a_submission_for_a_run_awaiting_approval():
    run = _run()
    assert run.awaiting_approval
    with pytest.raises(IntegrityError, match="awaits approval"), transaction.atomic():
        _submission(run).save()
    assert not PayoutSubmission.objects.exists()
    run = settlement_run_approve(run=run, actor=FinanceUserFactory())
    _submission(run).save()  # once approved, the same insert goes through
    assert PayoutSubmission.objects.count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_submission_for_a_rejected_run():
    run = _run()
    SettlementRun.objects.filter(pk=run.pk).update(
        rejected_by=FinanceUserFactory(), rejected_at=timezone.now(), rejection_reason="no"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        _submission(run).save()


@pytest.mark.django_db
def test_the_database_refuses_an_approver_who_created_the_run():
    creator = FinanceUserFactory()
    run = _run(created_by=creator)
    with pytest.raises(IntegrityError, match="run_approver_not_creator"), transaction.atomic():
        SettlementRun.objects.filter(pk=run.pk).update(approved_by=creator, approved_at=timezone.now())
    run.refresh_from_db()
    assert run.approved_at is None


@pytest.mark.django_db
def test_the_database_refuses_a_half_approval_or_both_decisions():
    run = _run()
    user = FinanceUserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementRun.objects.filter(pk=run.pk).update(approved_by=user)  # no approved_at
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementRun.objects.filter(pk=run.pk).update(
            approved_by=user, approved_at=now, rejected_by=user, rejected_at=now
        )


@pytest.mark.django_db
def test_the_database_refuses_changing_a_decision_or_the_snapshot():
    run = settlement_run_approve(run=_run(), actor=FinanceUserFactory())
    other = FinanceUserFactory()
    with pytest.raises(IntegrityError, match="taken once"), transaction.atomic():
        SettlementRun.objects.filter(pk=run.pk).update(approved_by=other)
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementRun.objects.filter(pk=run.pk).update(approved_by=None, approved_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementRun.objects.filter(pk=_run().pk).update(approval_required=False)
    run.refresh_from_db()
    assert run.approved_by_id != other.pk


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_allows_paid_to_returned_and_nothing_out_of_returned():
    run = _run()
    remittance = remittance_mark_paid(remittance=run.remittances.get())
    with pytest.raises(DatabaseError, match="cannot move from PAID to FAILED"), transaction.atomic():
        Remittance.objects.filter(pk=remittance.pk).update(status="FAILED")
    remittance = remittance_mark_returned(remittance=remittance, reason="R01")
    for status in ("PAID", "PENDING", "FAILED", "CANCELLED", "PROCESSING"):
        with pytest.raises(DatabaseError, match="cannot move from RETURNED"), transaction.atomic():
            Remittance.objects.filter(pk=remittance.pk).update(status=status)
    # Its items may be claimed again (generation 2): the next run pays them.
    again = settlement_generate(period_end=PERIOD_END)
    assert [r.amount for r in again.remittances.all()] == [remittance.amount]


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_approvals_give_exactly_one_200_and_one_409():
    run = _run()
    clients = [token_client(FinanceUserFactory()), token_client(FinanceUserFactory())]
    url = f"/api/settlement-runs/{run.pk}/approve/"
    results = in_threads(*[lambda c=c: c.post(url, format="json") for c in clients])
    assert all(kind == "ok" for kind, _ in results), results
    statuses = sorted(response.status_code for _, response in results)
    assert statuses == [200, 409]
    run.refresh_from_db()
    winner = next(response for _, response in results if response.status_code == 200)
    assert run.approved_by.username == winner.json()["approvedBy"]
