"""The database itself refuses what must never happen, whatever code (or person) writes to it.

Rows are written directly (ORM `create`/`update` or raw SQL), bypassing the services, and each write
must fail inside the database. Unique and partial-unique indexes hold on both databases; the triggers
and the exclusion constraint exist on PostgreSQL only (the PostgreSQL CI leg runs those tests).
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from ledger.models import Account, AccountKind, JournalEntry, Posting
from settlements import services as settlement_services
from settlements.models import Claim, Remittance, RemittanceStatus, SettlementRun
from tests.support.factories import TaskFactory, WorkLogFactory
from worklogs import services as worklog_services
from worklogs.models import Item, ItemKind, Segment

pytestmark = pytest.mark.django_db

OCT = date(2025, 10, 31)
START = datetime(2025, 10, 6, 9, tzinfo=UTC)


@pytest.fixture
def paid_history():
    """A worklog with an earning in a PAID remittance and an unclaimed adjustment."""
    worklog = WorkLogFactory(hourly_rate=Decimal("45.39"))
    segment, _ = worklog_services.segment_record(worklog=worklog, started_at=START, ended_at=START + timedelta(hours=1))
    remittance = settlement_services.settlement_generate(period_end=OCT).remittances.get()
    settlement_services.remittance_mark_paid(remittance=remittance)
    adjustment = worklog_services.adjustment_record(worklog=worklog, amount=Decimal("-5.00"), reason="equipment")
    return {
        "worklog": worklog,
        "segment": segment,
        "remittance": remittance,
        "claim": Claim.objects.get(remittance=remittance),
        "earning": Item.objects.get(segment=segment, kind=ItemKind.EARNING),
        "adjustment_item": Item.objects.get(adjustment=adjustment),
    }


def test_database_refuses_a_second_claim_of_an_item_at_the_same_generation(paid_history):
    claim = paid_history["claim"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            item=claim.item,
            generation=claim.generation,
            remittance=claim.remittance,
            worklog=claim.worklog,
            amount=claim.amount,
        )
    assert Claim.objects.filter(item=claim.item).count() == 1


def _claim_again(claim: Claim, *, generation: int) -> None:
    Claim.objects.create(
        item=claim.item, generation=generation, remittance=claim.remittance, worklog=claim.worklog, amount=claim.amount
    )


@pytest.mark.postgres
def test_database_refuses_a_claim_at_the_next_generation_while_the_item_is_in_a_live_remittance(paid_history):
    claim = paid_history["claim"]  # generation 1, in a PAID remittance
    for generation in (claim.generation + 1, claim.generation + 5):
        with pytest.raises(IntegrityError, match="is live or missing"), transaction.atomic():
            _claim_again(claim, generation=generation)
    assert Claim.objects.filter(item=claim.item).count() == 1


@pytest.mark.postgres
def test_database_accepts_the_next_generation_only_once_the_previous_remittance_died():
    worklog = WorkLogFactory(hourly_rate=Decimal("45.39"))
    worklog_services.segment_record(worklog=worklog, started_at=START, ended_at=START + timedelta(hours=1))
    remittance = settlement_services.settlement_generate(period_end=OCT).remittances.get()
    claim = Claim.objects.get(remittance=remittance)
    settlement_services.remittance_mark_failed(remittance=remittance, reason="bank rejected it")
    with pytest.raises(IntegrityError, match="is live or missing"), transaction.atomic():
        _claim_again(claim, generation=claim.generation + 2)  # skipping a generation proves nothing died
    # The next run re-claims the released item at generation 2, through the same trigger.
    again = settlement_services.settlement_generate(period_end=OCT).remittances.get()
    assert (again.amount, Claim.objects.get(remittance=again).generation) == (Decimal("45.39"), 2)


def test_database_refuses_a_second_live_remittance_for_a_worker_and_period(paid_history):
    paid = paid_history["remittance"]
    run = SettlementRun.objects.create(period_end=OCT)
    fields = {"run": run, "worker_id": paid.worker_id, "period_end": OCT, "amount": Decimal("1.00"), "currency": "USD"}
    for status in (RemittanceStatus.PENDING, RemittanceStatus.PROCESSING, RemittanceStatus.PAID):
        with pytest.raises(IntegrityError), transaction.atomic():
            Remittance.objects.create(status=status, **fields)
    # Failed and cancelled attempts are history, not payouts: any number of them may sit beside it.
    with transaction.atomic():
        Remittance.objects.create(status=RemittanceStatus.FAILED, **fields)
        Remittance.objects.create(status=RemittanceStatus.CANCELLED, **fields)
        transaction.set_rollback(True)  # they claim nothing, so do not leave them for the audit


def _unattached_accounts() -> tuple[Account, Account]:
    """Two accounts of no worker, so the test's own entries stay out of every worker's balance."""
    return tuple(
        Account.objects.create(code=f"test:{kind}", kind=kind, currency="USD", party=None, name=kind)
        for kind in (AccountKind.EXPENSE, AccountKind.CASH)
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_refuses_an_unbalanced_journal_entry_at_commit():
    debit, credit = _unattached_accounts()
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        entry = JournalEntry.objects.create(created_at=START, cause="TEST", reference="unbalanced")
        Posting.objects.create(entry=entry, account=debit, amount=Decimal("10.00"), currency="USD")
        Posting.objects.create(entry=entry, account=credit, amount=Decimal("-9.99"), currency="USD")
    assert not JournalEntry.objects.filter(reference="unbalanced").exists()

    # The same entry, balanced, commits: the trigger checks the sum, not the shape.
    with transaction.atomic():
        entry = JournalEntry.objects.create(created_at=START, cause="TEST", reference="balanced")
        Posting.objects.create(entry=entry, account=debit, amount=Decimal("10.00"), currency="USD")
        Posting.objects.create(entry=entry, account=credit, amount=Decimal("-10.00"), currency="USD")
    assert JournalEntry.objects.get(reference="balanced").postings.count() == 2


IMMUTABLE_UPDATES = {
    "posting": lambda h: Posting.objects.filter(pk=Posting.objects.order_by("pk").first().pk).update(
        amount=F("amount") * 2
    ),
    "journal entry": lambda h: JournalEntry.objects.filter(pk=JournalEntry.objects.order_by("pk").first().pk).update(
        memo="edited"
    ),
    "item": lambda h: Item.objects.filter(pk=h["earning"].pk).update(amount=F("amount") + 1),
    "claim": lambda h: Claim.objects.filter(pk=h["claim"].pk).update(amount=F("amount") + 1),
}


@pytest.mark.postgres
@pytest.mark.parametrize("what", IMMUTABLE_UPDATES)
def test_database_refuses_any_update_of_money_history(paid_history, what):
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        IMMUTABLE_UPDATES[what](paid_history)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("table", "row"),
    [
        # Rows nothing else references, so only the trigger (not a foreign key) can refuse them.
        ("ledger_posting", lambda h: Posting.objects.order_by("-pk").first().pk),
        ("ledger_journalentry", lambda h: JournalEntry.objects.order_by("-pk").first().pk),
        ("worklogs_item", lambda h: h["adjustment_item"].pk),
        ("settlements_claim", lambda h: h["claim"].pk),
    ],
)
def test_database_refuses_any_delete_of_money_history(paid_history, table, row):
    pk = row(paid_history)
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("start", "to_status"),
    [
        (RemittanceStatus.PAID, RemittanceStatus.PENDING),
        (RemittanceStatus.PAID, RemittanceStatus.FAILED),
        (RemittanceStatus.FAILED, RemittanceStatus.PENDING),
        (RemittanceStatus.CANCELLED, RemittanceStatus.PAID),
        (RemittanceStatus.PROCESSING, RemittanceStatus.PENDING),
        (RemittanceStatus.PROCESSING, RemittanceStatus.CANCELLED),
    ],
)
def test_database_refuses_a_backward_remittance_status_change(paid_history, start, to_status):
    remittance = paid_history["remittance"]
    if start != RemittanceStatus.PAID:
        # A second period's remittance, moved to `start` by the services.
        worklog_services.segment_record(
            worklog=paid_history["worklog"],
            started_at=START.replace(month=11),
            ended_at=START.replace(month=11, hour=10),
        )
        remittance = settlement_services.settlement_generate(period_end=date(2025, 11, 30)).remittances.get()
        move = {
            RemittanceStatus.FAILED: lambda r: settlement_services.remittance_mark_failed(remittance=r, reason="x"),
            RemittanceStatus.CANCELLED: lambda r: settlement_services.remittance_cancel(remittance=r, reason="x"),
            RemittanceStatus.PROCESSING: lambda r: settlement_services.remittance_mark_processing(remittance=r),
        }
        move[start](remittance)
    with pytest.raises(IntegrityError, match="cannot move"), transaction.atomic():
        Remittance.objects.filter(pk=remittance.pk).update(status=to_status)
    remittance.refresh_from_db()
    assert remittance.status == start


@pytest.mark.postgres
def test_database_refuses_to_change_or_delete_a_remittance(paid_history):
    remittance = paid_history["remittance"]
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        Remittance.objects.filter(pk=remittance.pk).update(amount=F("amount") + 1)
    with pytest.raises(IntegrityError, match="never deleted"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM settlements_remittance WHERE id = %s", [remittance.pk])


@pytest.mark.postgres
@pytest.mark.parametrize("status", ["ACTIVE", "DISPUTED"])
def test_database_refuses_overlapping_live_segments_of_one_worker(paid_history, status):
    existing = paid_history["segment"]  # ACTIVE, 09:00-10:00
    other_worklog = WorkLogFactory(worker=existing.worker, task=TaskFactory())
    fields = {
        "worklog": other_worklog,
        "worker": existing.worker,
        "started_at": existing.started_at + timedelta(minutes=59),
        "ended_at": existing.ended_at + timedelta(minutes=59),
        "seconds": 3600,
        "work_date": existing.work_date,
        "hourly_rate": Decimal("10.00"),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Segment.objects.create(status=status, **fields)
    # Touching is not overlapping, and a REMOVED segment does not count.
    with transaction.atomic():
        Segment.objects.create(status="REMOVED", **fields)
        Segment.objects.create(
            status=status,
            **{**fields, "started_at": existing.ended_at, "ended_at": existing.ended_at + timedelta(hours=1)},
        )
        transaction.set_rollback(True)
