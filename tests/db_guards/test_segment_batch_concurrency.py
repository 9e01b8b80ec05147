"""Batches racing on real PostgreSQL connections: of each pair of overlapping segments exactly one is
recorded, the money is exact, and batches naming the same workers in opposite orders never deadlock."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from tests.db_guards.threads import POSTGRES_THREADS, in_threads, token_client
from tests.support.factories import FinanceUserFactory, TaskFactory, WorkerFactory, WorkLogFactory
from worklogs.models import Item, Segment

pytestmark = POSTGRES_THREADS

BATCH = "/api/segments/batch/"
PAIRS = 60


def _item(worklog, start: datetime, minutes: int) -> dict:
    def iso(moment):
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    return {"worklogId": worklog.pk, "startedAt": iso(start), "endedAt": iso(start + timedelta(minutes=minutes))}


def _post(client, items):
    def call():
        response = client.post(BATCH, {"segments": items}, format="json")
        assert response.status_code == 200, response.content
        return [r["httpStatus"] for r in response.json()["results"]]

    return call


def test_two_batches_for_one_worker_record_exactly_one_of_each_overlapping_pair():
    worker = WorkerFactory()
    first_wl = WorkLogFactory(worker=worker, task=TaskFactory(), hourly_rate=Decimal("45.39"))
    second_wl = WorkLogFactory(worker=worker, task=TaskFactory(), hourly_rate=Decimal("45.39"))
    base = datetime(2025, 10, 1, tzinfo=UTC)
    # Pair i: [20i, 20i+10) minutes on one worklog and [20i+5, 20i+15) on the other; they overlap
    # each other and nothing else.
    first = [_item(first_wl, base + timedelta(minutes=20 * i), 10) for i in range(PAIRS)]
    second = [_item(second_wl, base + timedelta(minutes=20 * i + 5), 10) for i in range(PAIRS)]
    user = FinanceUserFactory()

    results = in_threads(_post(token_client(user), first), _post(token_client(user), second))

    assert [outcome for outcome, _ in results] == ["ok", "ok"], results
    statuses_a, statuses_b = (value for _, value in results)
    for a, b in zip(statuses_a, statuses_b, strict=True):
        assert sorted([a, b]) == [201, 409]
    live = Segment.objects.filter(worker=worker).order_by("started_at")
    assert live.count() == PAIRS
    ends = list(live.values_list("started_at", "ended_at"))
    assert all(end <= next_start for (_, end), (next_start, _) in pairwise(ends))
    # Ten minutes at 45.39/h are 7.565 exactly: the worklog's total is its exact total rounded once.
    for worklog in (first_wl, second_wl):
        worklog.refresh_from_db()
        count = Item.objects.filter(worklog=worklog).count()
        exact = Decimal("7.565") * count
        assert worklog.amount == exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert sum(Item.objects.filter(worklog=worklog).values_list("amount", flat=True)) == worklog.amount


def test_batches_naming_the_same_workers_in_opposite_orders_do_not_deadlock():
    worklogs = [WorkLogFactory(hourly_rate=Decimal("30.00")) for _ in range(3)]
    base = datetime(2025, 10, 2, tzinfo=UTC)
    user = FinanceUserFactory()

    def batch(order, offset):
        return [_item(worklogs[w], base + timedelta(minutes=30 * n + offset), 10) for n in range(20) for w in order]

    results = in_threads(
        _post(token_client(user), batch([0, 1, 2], 0)),
        _post(token_client(user), batch([2, 1, 0], 15)),
        _post(token_client(user), batch([1, 2, 0], 5)),  # overlaps the first batch's items
    )

    assert [outcome for outcome, _ in results] == ["ok", "ok", "ok"], results
    first, second, third = (value for _, value in results)
    assert set(second) == {201}  # disjoint from both others
    assert set(first) | set(third) <= {201, 409}
    assert first.count(201) + third.count(201) == 60
    for worklog in worklogs:
        worklog.refresh_from_db()
        assert worklog.amount == Decimal("5.00") * Segment.objects.filter(worklog=worklog).count()
