"""`GET /api/workers/{id}/statement/`: what the worker is owed, line by line, reconciling with balance."""

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from settlements import services as settlement_services
from settlements.models import Remittance
from tests.support.factories import UserFactory, WorkerFactory, WorkLogFactory
from worklogs import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def at(monkeypatch):
    """at("2026-10-05 18:00") as a context: the clock of every service (and of the ledger) reads that."""

    @contextmanager
    def clock(moment: str):
        frozen = datetime.fromisoformat(moment).replace(tzinfo=UTC)
        with monkeypatch.context() as patch:
            patch.setattr(timezone, "now", lambda: frozen)
            yield

    return clock


def work(worklog, day: str, start: str, minutes: int):
    started = datetime.fromisoformat(f"{day}T{start}:00").replace(tzinfo=UTC)
    segment, _ = services.segment_record(
        worklog=worklog, started_at=started, ended_at=started + timedelta(minutes=minutes)
    )
    return segment


def statement(client, worker, **query):
    response = client.get(f"/api/workers/{worker.pk}/statement/", query)
    assert response.status_code == 200, response.content
    return response.json()


def balance(client, worker):
    return client.get(f"/api/workers/{worker.pk}/balance/").json()


def summary(body) -> list[tuple[str, str, str, str]]:
    return [(line["date"], line["cause"], line["amount"], line["balance"]) for line in body["lines"]]


@pytest.fixture
def history(at):
    """Alice: +150.00 on 5 Oct, -30.00 on 20 Oct, paid 120.00 on 5 Nov, +60.00 on 10 Nov."""
    worklog = WorkLogFactory(hourly_rate=Decimal("60.00"))
    with at("2026-10-05 18:00"):
        work(worklog, "2026-10-05", "09:00", 150)
    with at("2026-10-20 10:00"):
        services.adjustment_record(worklog=worklog, amount=Decimal("-30.00"), reason="damaged laptop")
    with at("2026-11-02 10:00"):
        settlement_services.settlement_generate(period_end=date(2026, 10, 31))
    with at("2026-11-05 10:00"):
        settlement_services.remittance_mark_paid(remittance=Remittance.objects.get(), provider_reference="SEPA-1")
    with at("2026-11-10 12:00"):
        work(worklog, "2026-11-10", "08:00", 60)
    return worklog.worker


def test_all_time_statement_lists_each_cause_and_closes_at_unremitted_plus_pending(api, history):
    body = statement(api, history)
    assert (body["workerId"], body["currency"], body["opening"], body["closing"]) == (
        history.pk,
        "USD",
        "0.00",
        "60.00",
    )
    assert summary(body) == [
        ("2026-10-05", "EARNING", "150.00", "150.00"),
        ("2026-10-20", "ADJUSTMENT", "-30.00", "120.00"),
        # Issuing the remittance on 2 Nov moved 120.00 from unremitted to pending: not a line.
        ("2026-11-05", "REMITTANCE_PAID", "-120.00", "0.00"),
        ("2026-11-10", "EARNING", "60.00", "60.00"),
    ]
    b = balance(api, history)
    assert Decimal(body["closing"]) == Decimal(b["unremitted"]) + Decimal(b["pending"]) == Decimal("60.00")


def test_a_period_opens_with_the_balance_before_it(api, history):
    body = statement(api, history, **{"from": "2026-10-15", "to": "2026-11-05"})
    assert (body["opening"], body["closing"]) == ("150.00", "0.00")
    assert summary(body) == [
        ("2026-10-20", "ADJUSTMENT", "-30.00", "120.00"),
        ("2026-11-05", "REMITTANCE_PAID", "-120.00", "0.00"),
    ]
    later = statement(api, history, **{"from": "2026-11-06"})
    assert (later["opening"], later["closing"], len(later["lines"])) == ("0.00", "60.00", 1)
    before = statement(api, history, to="2026-10-04")
    assert (before["opening"], before["closing"], before["lines"]) == ("0.00", "0.00", [])


def test_pending_money_is_still_owed_and_a_clawback_reduces_it(api, at):
    worklog = WorkLogFactory(hourly_rate=Decimal("45.39"))
    with at("2026-10-08 18:00"):
        kept = work(worklog, "2026-10-08", "09:00", 10)  # 7.57
        removed = work(worklog, "2026-10-08", "10:00", 10)  # 7.56 (15.13 rounded once)
    with at("2026-11-01 09:00"):
        settlement_services.settlement_generate(period_end=date(2026, 10, 31))
    with at("2026-11-02 09:00"):
        services.segment_remove(segment=removed, reason="not worked")  # a clawback of a pending earning
    body = statement(api, worklog.worker)
    assert [line["amount"] for line in body["lines"]] == ["7.57", "7.56", "-7.56"]
    assert body["closing"] == "7.57"
    b = balance(api, worklog.worker)
    assert (b["pending"], b["unremitted"]) == ("15.13", "-7.56")
    assert Decimal(body["closing"]) == Decimal(b["unremitted"]) + Decimal(b["pending"])
    assert kept.pk != removed.pk


def test_a_cancelled_remittance_changes_nothing_owed(api, history, at):
    with at("2026-11-11 09:00"):
        settlement_services.settlement_generate(period_end=date(2026, 11, 30))
    with at("2026-11-12 09:00"):
        remittance = Remittance.objects.get(status="PENDING")
        settlement_services.remittance_cancel(remittance=remittance, reason="wrong account")
    body = statement(api, history)
    assert body["closing"] == "60.00"
    assert [line["cause"] for line in body["lines"]][-1] == "EARNING"
    b = balance(api, history)
    assert (b["unremitted"], b["pending"]) == ("60.00", "0.00")


def test_a_worker_reads_their_own_statement_and_nobody_elses(make_client, history, anon_client, plain_user):
    own = WorkerFactory(user=UserFactory())
    other_client = make_client(own.user)
    assert other_client.get(f"/api/workers/{own.pk}/statement/").json()["closing"] == "0.00"
    assert other_client.get(f"/api/workers/{history.pk}/statement/").status_code == 404
    assert make_client(plain_user).get(f"/api/workers/{history.pk}/statement/").status_code == 403
    assert anon_client.get(f"/api/workers/{history.pk}/statement/").status_code == 401
    history.user = UserFactory()
    history.save(update_fields=["user"])
    assert make_client(history.user).get(f"/api/workers/{history.pk}/statement/").json()["closing"] == "60.00"


def test_bad_dates_are_400_and_unknown_worker_404(api, history):
    response = api.get(f"/api/workers/{history.pk}/statement/", {"from": "2026-13-01"})
    assert response.status_code == 400 and list(response.json()) == ["from"]
    response = api.get(f"/api/workers/{history.pk}/statement/", {"from": "2026-11-02", "to": "2026-11-01"})
    assert response.status_code == 400 and response.json() == {"to": ["to must be on or after from."]}
    assert api.get(f"/api/workers/{history.pk}/statement/", {"from": ""}).json()["closing"] == "60.00"
    assert api.get("/api/workers/999999/statement/").status_code == 404
