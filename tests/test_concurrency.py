"""Real threads, real connections, real row locks: money rule 5 and friends hold under concurrency.

Each thread gets its own database connection (Django opens one per thread) and closes it at the end.
SQLite serialises every writer, so these only prove something on PostgreSQL: the PostgreSQL CI leg
runs them.
"""

import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from core.errors import Conflict
from settlements import services as settlement_services
from settlements.models import (
    Remittance,
    RemittanceStatus,
    RunStatus,
    SettlementRun,
)
from settlements.services import runs
from tests.factories import FinanceUserFactory, TaskFactory, WorkerFactory, WorkLogFactory
from tests.threads import POSTGRES_THREADS, TIMEOUT, in_threads, live_claims_per_item, token_client
from worklogs import services as worklog_services
from worklogs.models import Adjustment, Item, Segment

pytestmark = POSTGRES_THREADS

OCT = date(2025, 10, 31)
NOV = date(2025, 11, 30)
THREADS = 4


def _record(worklog, day: int, hour: int, minutes: int = 60, month: int = 10) -> Segment:
    start = datetime(2025, month, day, hour, tzinfo=UTC)
    segment, _ = worklog_services.segment_record(
        worklog=worklog, started_at=start, ended_at=start + timedelta(minutes=minutes)
    )
    return segment


def _assert_every_item_paid_exactly_once() -> None:
    claims = live_claims_per_item()
    assert set(claims) == set(Item.objects.values_list("pk", flat=True))
    assert set(claims.values()) == {1}


def test_concurrent_generate_for_one_period_pays_each_worker_exactly_once():
    worklogs = [WorkLogFactory(hourly_rate=Decimal("45.39")) for _ in range(6)]
    for i, worklog in enumerate(worklogs):
        _record(worklog, 1 + i, 9, minutes=10 * (i + 1))

    results = in_threads(*[lambda: settlement_services.settlement_generate(period_end=OCT)] * THREADS)

    errors = [value for outcome, value in results if outcome == "error"]
    assert all(isinstance(e, Conflict) for e in errors), errors  # waiting or 409, never anything else
    assert len(errors) < THREADS
    live = Remittance.objects.filter(period_end=OCT, status=RemittanceStatus.PENDING)
    assert sorted(live.values_list("worker_id", flat=True)) == sorted(w.worker_id for w in worklogs)
    for worklog in worklogs:
        worklog.refresh_from_db()
        assert live.get(worker_id=worklog.worker_id).amount == worklog.amount
    _assert_every_item_paid_exactly_once()


def test_concurrent_generate_over_http_answers_201_or_409_and_pays_once():
    worklogs = [WorkLogFactory(hourly_rate=Decimal("10.00")) for _ in range(3)]
    for worklog in worklogs:
        for hour in (9, 10, 11):
            _record(worklog, 2, hour, minutes=20)
    clients = [token_client(FinanceUserFactory()) for _ in range(THREADS)]

    def post(client):
        return lambda: client.post("/generate-remittances-for-all-users", {"periodEnd": "2025-10-31"}, format="json")

    results = in_threads(*[post(c) for c in clients])

    statuses = [value.status_code for _, value in results]
    assert set(statuses) <= {201, 409}, statuses
    created = [r for _, value in results if value.status_code == 201 for r in value.json()["remittances"]]
    assert sorted(r["workerId"] for r in created) == sorted(w.worker_id for w in worklogs)
    assert {r["amount"] for r in created} == {"10.00"}
    _assert_every_item_paid_exactly_once()


def test_segment_recorded_during_a_run_is_paid_exactly_once(settings):
    settings.SETTLEMENT_CHUNK_SIZE = 1  # one transaction per worker: the run is interleavable
    settings.SETTLEMENT_PARALLELISM = 1  # chunk after chunk, so "settled before" is well defined
    worklogs = [WorkLogFactory(hourly_rate=Decimal("60.00")) for _ in range(8)]
    for worklog in worklogs:
        _record(worklog, 1, 9)
    first, last = worklogs[0], worklogs[-1]
    first_settled, late_recorded = threading.Event(), threading.Event()
    late: dict[str, Segment] = {}

    def progress(done: int, total: int) -> None:
        if done == 1:  # the first worker's chunk has committed; the others are not settled yet
            first_settled.set()
            assert late_recorded.wait(TIMEOUT)

    def run():
        return settlement_services.settlement_generate(period_end=OCT, progress=progress)

    def record_late():
        assert first_settled.wait(TIMEOUT)
        try:
            late["first"] = _record(first, 2, 9, minutes=30)
            late["last"] = _record(last, 2, 9, minutes=30)
        finally:
            late_recorded.set()

    results = in_threads(run, record_late)

    assert [outcome for outcome, _ in results] == ["ok", "ok"], results
    oct_run = results[0][1]
    by_worker = {r.worker_id: r for r in oct_run.remittances.all()}
    assert len(by_worker) == len(worklogs)
    assert by_worker[first.worker_id].amount == Decimal("60.00")  # settled before the late segment
    assert by_worker[last.worker_id].amount == Decimal("90.00")  # settled after it: included
    nov_run = settlement_services.settlement_generate(period_end=NOV)
    assert [(r.worker_id, r.amount) for r in nov_run.remittances.all()] == [(first.worker_id, Decimal("30.00"))]
    _assert_every_item_paid_exactly_once()


def test_segments_recorded_while_runs_race_are_each_paid_once(settings):
    settings.SETTLEMENT_CHUNK_SIZE = 1
    worklogs = [WorkLogFactory(hourly_rate=Decimal("45.39")) for _ in range(6)]
    for worklog in worklogs:
        _record(worklog, 1, 9, minutes=10)

    def record_many():
        for hour in range(10, 16):
            for worklog in worklogs:
                _record(worklog, 1, hour, minutes=7)

    results = in_threads(
        record_many,
        lambda: settlement_services.settlement_generate(period_end=OCT),
        lambda: settlement_services.settlement_generate(period_end=OCT),
    )

    assert all(outcome == "ok" or isinstance(value, Conflict) for outcome, value in results), results
    settlement_services.settlement_generate(period_end=NOV)
    _assert_every_item_paid_exactly_once()
    paid = Remittance.objects.filter(status=RemittanceStatus.PENDING).aggregate(t=Sum("amount"))["t"]
    assert paid == Item.objects.aggregate(t=Sum("amount"))["t"]
    assert Remittance.objects.filter(period_end=OCT).count() == len(worklogs)


def test_concurrent_overlapping_segment_posts_exactly_one_wins():
    worker = WorkerFactory()
    worklogs = [WorkLogFactory(worker=worker, task=TaskFactory()) for _ in range(2)]
    user = FinanceUserFactory()
    clients = [token_client(user) for _ in range(THREADS)]
    bodies = [
        {"startedAt": f"2025-10-01T09:{10 * i:02d}:00Z", "endedAt": f"2025-10-01T10:{10 * i:02d}:00Z"}
        for i in range(THREADS)
    ]

    def post(i):
        url = f"/api/worklogs/{worklogs[i % 2].pk}/segments/"
        return lambda: clients[i].post(url, bodies[i], format="json")

    results = in_threads(*[post(i) for i in range(THREADS)])

    statuses = sorted(value.status_code for _, value in results)
    assert statuses == [201] + [409] * (THREADS - 1), [v.content for _, v in results]
    assert Segment.objects.filter(worker=worker).count() == 1
    assert Item.objects.filter(worker=worker).count() == 1


def test_concurrent_mark_paid_and_cancel_exactly_one_wins():
    worklog = WorkLogFactory(hourly_rate=Decimal("10.00"))
    _record(worklog, 3, 9)
    remittance = settlement_services.settlement_generate(period_end=OCT).remittances.get()
    clients = [token_client(FinanceUserFactory()) for _ in range(2)]
    base = f"/api/remittances/{remittance.pk}"

    results = in_threads(
        lambda: clients[0].post(f"{base}/mark-paid/", {"providerReference": "bank-1"}, format="json"),
        lambda: clients[1].post(f"{base}/cancel/", {"reason": "withdrawn"}, format="json"),
    )

    paid, cancelled = (value for _, value in results)
    assert sorted([paid.status_code, cancelled.status_code]) == [200, 409]
    remittance.refresh_from_db()
    winner = "PAID" if paid.status_code == 200 else "CANCELLED"
    assert remittance.status == winner
    assert remittance.events.exclude(from_status="").count() == 1
    worklog.refresh_from_db()
    assert worklog.remitted_amount == (Decimal("10.00") if winner == "PAID" else Decimal("0.00"))


def test_concurrent_requests_with_one_idempotency_key_create_once():
    worklog = WorkLogFactory(hourly_rate=Decimal("45.39"))
    client_user = FinanceUserFactory()
    clients = [token_client(client_user) for _ in range(THREADS)]
    body = {"worklogId": worklog.pk, "amount": "-12.34", "reason": "equipment"}

    results = in_threads(
        *[(lambda c=c: c.post("/api/adjustments/", body, format="json", HTTP_IDEMPOTENCY_KEY="adj-1")) for c in clients]
    )

    answers = [(value.status_code, value.json()) for _, value in results]
    assert [status for status, _ in answers] == [201] * THREADS, answers
    assert len({answer["id"] for _, answer in answers}) == 1
    assert Adjustment.objects.filter(worklog=worklog).count() == 1
    worklog.refresh_from_db()
    assert worklog.amount == Decimal("-12.34")


def test_concurrent_segment_posts_with_one_idempotency_key_create_once():
    worklog = WorkLogFactory(hourly_rate=Decimal("45.39"))
    user = FinanceUserFactory()
    clients = [token_client(user) for _ in range(THREADS)]
    body = {"startedAt": "2025-10-06T09:00:00Z", "endedAt": "2025-10-06T09:10:00Z"}
    url = f"/api/worklogs/{worklog.pk}/segments/"

    results = in_threads(
        *[(lambda c=c: c.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="seg-1")) for c in clients]
    )

    answers = [(value.status_code, value.json()) for _, value in results]
    assert Segment.objects.filter(worklog=worklog).count() == 1
    assert [status for status, _ in answers] == [201] * THREADS, answers
    assert {answer["amount"] for _, answer in answers} == {"7.57"}


def _workers_with_one_segment_each(count: int) -> list:
    worklogs = [WorkLogFactory(hourly_rate=Decimal("45.39")) for _ in range(count)]
    for i, worklog in enumerate(worklogs):
        _record(worklog, 1 + i, 9, minutes=10 * (i + 1))
    return worklogs


def test_a_run_settles_its_chunks_in_parallel_threads_and_pays_each_worker_once(settings, monkeypatch):
    settings.SETTLEMENT_CHUNK_SIZE = 1
    settings.SETTLEMENT_PARALLELISM = 3
    worklogs = _workers_with_one_segment_each(7)
    real, chunk_threads, progress = runs._settle_chunk, set(), []

    def spy(**kwargs):
        chunk_threads.add(threading.current_thread().name)
        return real(**kwargs)

    monkeypatch.setattr(runs, "_settle_chunk", spy)
    run = settlement_services.settlement_generate(period_end=OCT, progress=lambda done, total: progress.append(done))

    assert all(name.startswith("settle") for name in chunk_threads), chunk_threads  # never the caller's thread
    assert progress == [1, 2, 3, 4, 5, 6, 7]
    run.refresh_from_db()
    assert (run.status, run.workers_total, run.workers_done) == (RunStatus.COMPLETED, 7, 7)
    paid = {r.worker_id: r.amount for r in run.remittances.all()}
    # 10, 20, ... 70 minutes at 45.39/h, each rounded once: 7.565 -> 7.57, 15.13, 22.695 -> 22.70, ...
    assert [paid[w.worker_id] for w in worklogs] == [
        Decimal(x) for x in ("7.57", "15.13", "22.70", "30.26", "37.83", "45.39", "52.96")
    ]
    _assert_every_item_paid_exactly_once()


def test_a_parallel_run_whose_chunk_fails_is_failed_and_a_resume_pays_nobody_twice(settings, monkeypatch):
    settings.SETTLEMENT_CHUNK_SIZE = 1
    settings.SETTLEMENT_PARALLELISM = 2
    worklogs = _workers_with_one_segment_each(6)
    doomed = worklogs[2].worker_id
    real = runs._settle_chunk

    def dying(**kwargs):
        if kwargs["worker_ids"] == [doomed]:
            raise RuntimeError("connection lost")
        return real(**kwargs)

    monkeypatch.setattr(runs, "_settle_chunk", dying)
    with pytest.raises(RuntimeError, match="connection lost"):
        settlement_services.settlement_generate(period_end=OCT)
    run = SettlementRun.objects.get()
    assert (run.status, run.error) == (RunStatus.FAILED, "connection lost")
    settled_before = set(Remittance.objects.values_list("worker_id", flat=True))
    assert doomed not in settled_before
    assert run.workers_done == len(settled_before)

    monkeypatch.setattr(runs, "_settle_chunk", real)
    resumed = settlement_services.settlement_run_execute(run=run)

    assert (resumed.status, resumed.workers_done) == (RunStatus.COMPLETED, 6)
    assert Counter(Remittance.objects.values_list("worker_id", flat=True)) == {w.worker_id: 1 for w in worklogs}
    _assert_every_item_paid_exactly_once()
