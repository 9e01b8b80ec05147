"""Every list endpoint costs the same number of queries per page, whatever the page size and the row count.

STYLE.md convention 5: "one query per page, never one per row". Each test counts the queries of the
same requests (first keyset page at `pageSize=2` and `pageSize=25`, the `next` page, and a page
number) against a small world (3 rows of everything) and again after it has grown to 30, and
requires the very same counts. A per-row query shows up as soon as a page holds more rows. The worklog
and remittance lists also stay under a fixed bound at 5 and at 50 rows.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from settlements import services as settlement_services
from tests.support.api_helpers import LIST_ALL
from tests.support.factories import TaskFactory, UserFactory, WorkerFactory, WorkLogFactory
from worklogs import services as worklog_services

pytestmark = pytest.mark.django_db

OCT = date(2024, 10, 31)
SMALL, LARGE = 3, 30
BIG_PAGE = 25

FINANCE_LISTS = [
    LIST_ALL,
    "/api/worklogs/",
    "/api/workers/",
    "/api/tasks/",
    "/api/segments/",
    "/api/adjustments/",
    "/api/remittances/",
    "/api/worklogs/{busy}/segments/",
    "/api/settlement-runs/",
]
WORKER_LISTS = [LIST_ALL, "/api/worklogs/", "/api/segments/", "/api/remittances/"]


def _record(worklog, index: int) -> None:
    """A 20-minute segment in October, an hour after the previous one of the same index."""
    start = datetime(2024, 10, 1, 8, tzinfo=UTC) + timedelta(hours=index)
    worklog_services.segment_record(worklog=worklog, started_at=start, ended_at=start + timedelta(minutes=20))


def _query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


class FinanceWorld:
    """Grows every list by one row a step: a worker with its own task and worklog, a segment and an
    adjustment on it, a segment on one shared busy worklog, and a run that settles the new worker
    (every other remittance is paid). Setup through the services, as in production.
    """

    def __init__(self):
        self.busy = WorkLogFactory(hourly_rate=Decimal("10.00"))
        self.steps = 0

    def grow_to(self, rows: int) -> None:
        while self.steps < rows:
            worklog = WorkLogFactory(hourly_rate=Decimal("45.39"))
            _record(worklog, 0)
            worklog_services.adjustment_record(worklog=worklog, amount=Decimal("-1.00"), reason="equipment")
            _record(self.busy, self.steps)
            run = settlement_services.settlement_generate(period_end=OCT)
            if self.steps % 2:
                for remittance in run.remittances.order_by("pk"):
                    settlement_services.remittance_mark_paid(remittance=remittance)
            self.steps += 1


class WorkerWorld:
    """One worker user's own rows (a worklog with a segment, and a remittance, per step), plus
    another worker's rows that the scoped lists must leave out. Each step's run is cancelled, except
    the last one's, so the worker's items are claimed again and its remittances accumulate."""

    def __init__(self):
        self.login = UserFactory()
        self.worker = WorkerFactory(user=self.login)
        self.steps = 0
        self.open_remittance = None

    def grow_to(self, rows: int) -> None:
        while self.steps < rows:
            if self.open_remittance is not None:
                settlement_services.remittance_cancel(remittance=self.open_remittance, reason="re-issued")
            _record(WorkLogFactory(worker=self.worker, hourly_rate=Decimal("45.39")), self.steps)
            _record(WorkLogFactory(hourly_rate=Decimal("10.00")), 0)  # someone else's
            run = settlement_services.settlement_generate(period_end=OCT)
            self.open_remittance = run.remittances.get(worker=self.worker)
            self.steps += 1


def _count(client, path: str, params: dict) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return len(queries.captured_queries), response.json()


def _page_costs(client, path: str) -> dict[str, int]:
    """Query counts of the four kinds of page request, checking each page holds what it should."""
    costs = {}
    costs["keyset pageSize=2"], first = _count(client, path, {"pageSize": 2})
    assert len(first["results"]) == 2 and first["next"], first
    costs["keyset next page"], second = _count(client, path, _query(first["next"]))
    assert second["results"] and second["results"][0]["id"] > first["results"][-1]["id"], second
    costs[f"keyset pageSize={BIG_PAGE}"], big = _count(client, path, {"pageSize": BIG_PAGE})
    assert len(big["results"]) > 2, big
    costs["page=2 pageSize=2"], numbered = _count(client, path, {"pageSize": 2, "page": 2})
    assert numbered["results"] and "count" in numbered, numbered
    return costs


def _assert_constant_cost(client, path: str, grow) -> None:
    grow(SMALL)
    client.get(path)  # warm whatever a first request caches, the same for both sizes
    small = _page_costs(client, path)
    grow(LARGE)
    large = _page_costs(client, path)
    big = client.get(path, {"pageSize": BIG_PAGE}).json()
    assert len(big["results"]) == BIG_PAGE and big["next"], "the large world must fill a big page"

    assert large == small, f"{path}: queries grew with the rows: {small} -> {large}"
    keyset = {costs for name, costs in small.items() if name.startswith("keyset")}
    assert len(keyset) == 1, f"{path}: queries grew with the page size: {small}"


@pytest.mark.parametrize("path", FINANCE_LISTS)
def test_finance_list_costs_the_same_queries_whatever_the_page_size_and_row_count(api, path):
    world = FinanceWorld()
    _assert_constant_cost(api, path.format(busy=world.busy.pk), world.grow_to)


@pytest.mark.parametrize("path", WORKER_LISTS)
def test_worker_scoped_list_costs_the_same_queries_whatever_the_page_size_and_row_count(make_client, path):
    world = WorkerWorld()
    client = make_client(world.login)
    _assert_constant_cost(client, path, world.grow_to)
    mine = client.get(path, {"pageSize": 500}).json()["results"]
    assert len(mine) == LARGE  # the worker's own rows only, none of the other workers'


def test_a_worker_scoped_list_leaves_out_the_other_workers_rows(make_client):
    # Guards the worker world above: the scoped count is the worker's rows, not the whole table's.
    world = WorkerWorld()
    world.grow_to(SMALL)
    client = make_client(world.login)
    worklogs = client.get("/api/worklogs/", {"pageSize": 500}).json()
    remittances = client.get("/api/remittances/", {"pageSize": 500}).json()
    assert [w["workerId"] for w in worklogs["results"]] == [world.worker.pk] * SMALL
    assert [(r["status"], r["amount"]) for r in remittances["results"]] == [
        ("CANCELLED", "15.13"),  # 20 minutes at 45.39/h
        ("CANCELLED", "30.26"),
        ("PENDING", "45.39"),
    ]


# --- A bounded number of queries, whatever the number of rows ------------------------------------


def _make_rows(n):
    """n worklogs on n workers, each with items and a remittance (half paid, half pending).

    Setup shortcut through the services (the rule under test is the list's query count, not the setup).
    """
    for _ in range(n):
        wl = WorkLogFactory(worker=WorkerFactory(), task=TaskFactory(), hourly_rate=Decimal("10.00"))
        start = datetime(2024, 10, 3, 8, tzinfo=UTC)
        worklog_services.segment_record(worklog=wl, started_at=start, ended_at=start + timedelta(minutes=30))
        worklog_services.adjustment_record(worklog=wl, amount=Decimal("1.00"), reason="bonus")
    run = settlement_services.settlement_generate(period_end=date(2024, 10, 31))
    for i, remittance in enumerate(run.remittances.order_by("pk")):
        if i % 2:
            settlement_services.remittance_mark_paid(remittance=remittance)


# Auth, count, page, and one query for the remittances' worklogs: a per-row query would exceed it at 5 rows.
QUERY_BOUND = 6


@pytest.mark.parametrize("rows", [5, 50])
def test_list_all_worklogs_query_count_does_not_grow_with_rows(api, django_assert_max_num_queries, rows):
    _make_rows(rows)
    api.get(LIST_ALL)  # warm the auth caches the same way for both sizes
    with django_assert_max_num_queries(QUERY_BOUND):
        response = api.get(LIST_ALL, {"pageSize": 500})
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_remittance_list_query_count_does_not_grow_with_rows(api, django_assert_max_num_queries, rows):
    _make_rows(rows)
    with django_assert_max_num_queries(QUERY_BOUND):
        response = api.get("/api/remittances/", {"pageSize": 500})
    results = response.json()["results"]
    assert len(results) == rows
    assert all(r["worklogs"] and r["worklogs"][0]["amount"] == "6.00" for r in results)
