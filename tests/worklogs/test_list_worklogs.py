"""`GET /list-all-worklogs` (and `/api/worklogs/`): filters, pagination, rows as the serializer shows them.

Their cost in queries is checked with every other list in tests/api/test_query_counts.py.
"""

from decimal import Decimal

import pytest
from djangorestframework_camel_case.util import camelize

from tests.support.api_helpers import (
    LIST_ALL,
    adjustment,
    create_task,
    create_worker,
    create_worklog,
    dispute,
    generate,
    new_worklog,
    pay,
    record,
    remittance_of,
    ts,
)
from tests.support.factories import WorkerFactory, WorkLogFactory
from worklogs.api.serializers import WorkLogSerializer
from worklogs.models import Task, WorkLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(api):
    """Worklogs in every remittance state: paid, pending, unpaid, partly paid, empty."""
    paid = new_worklog(api, rate="10.00")
    pending = new_worklog(api, rate="10.00")
    unpaid = new_worklog(api, rate="10.00")
    partly = new_worklog(api, rate="10.00")
    empty = new_worklog(api, rate="10.00")
    record(api, paid["id"], ts("2024-10-03"), 60)
    record(api, pending["id"], ts("2024-10-03"), 60)
    record(api, partly["id"], ts("2024-10-03", "08:00"), 60)
    held = record(api, partly["id"], ts("2024-10-03", "10:00"), 60)
    dispute(api, held["id"])
    run = generate(api, "2024-10-31")
    pay(api, remittance_of(run, paid["workerId"])["id"])
    pay(api, remittance_of(run, partly["workerId"])["id"])
    record(api, unpaid["id"], ts("2024-11-03"), 60)
    return {"paid": paid, "pending": pending, "unpaid": unpaid, "partly": partly, "empty": empty}


def _ids(api, path=LIST_ALL, **params):
    response = api.get(path, params)
    assert response.status_code == 200, response.content
    return [w["id"] for w in response.json()["results"]]


@pytest.mark.parametrize("path", [LIST_ALL, LIST_ALL + "/"])
def test_trailing_slash_is_optional(api, mixed, path):
    assert _ids(api, path) == sorted(w["id"] for w in mixed.values())


def test_remitted_filter_lists_only_fully_paid_worklogs(api, mixed):
    assert _ids(api, remittanceStatus="REMITTED") == [mixed["paid"]["id"]]


def test_unremitted_filter_includes_pending_partly_paid_unpaid_and_empty(api, mixed):
    expected = sorted(mixed[k]["id"] for k in ("pending", "unpaid", "partly", "empty"))
    assert _ids(api, remittanceStatus="UNREMITTED") == expected


def test_list_rows_carry_the_amounts(api, mixed):
    response = api.get(LIST_ALL, {"pageSize": 500})
    rows = {w["id"]: w for w in response.json()["results"]}
    partly = rows[mixed["partly"]["id"]]
    assert (partly["amount"], partly["remittedAmount"], partly["unremittedAmount"], partly["remittanceStatus"]) == (
        "20.00",
        "10.00",
        "10.00",
        "UNREMITTED",
    )
    pending = rows[mixed["pending"]["id"]]
    assert (pending["remittedAmount"], pending["unremittedAmount"]) == ("0.00", "10.00")
    assert {"id", "workerId", "taskId", "hourlyRate", "currency"} <= partly.keys()


def test_paid_worklog_becomes_unremitted_again_after_a_new_item(api, mixed):
    adjustment(api, mixed["paid"]["id"], "-1.00")
    assert _ids(api, remittanceStatus="REMITTED") == []


@pytest.mark.parametrize("value", ["remitted", "PAID", "", "UNREMITTED,REMITTED"])
def test_invalid_remittance_status_is_400(api, value):
    """An empty value is 400 too (issue 12): it is not the unfiltered list the client did not ask for."""
    assert api.get(LIST_ALL, {"remittanceStatus": value}).status_code == 400


def test_worker_and_task_filters(api):
    worker = create_worker(api)
    t1, t2 = create_task(api), create_task(api)
    a = create_worklog(api, worker_id=worker["id"], task_id=t1["id"])
    b = create_worklog(api, worker_id=worker["id"], task_id=t2["id"])
    c = new_worklog(api)
    d = create_worklog(api, worker_id=c["workerId"], task_id=t1["id"])
    assert _ids(api, workerId=worker["id"]) == [a["id"], b["id"]]
    assert _ids(api, taskId=t1["id"]) == [a["id"], d["id"]]
    assert _ids(api, workerId=worker["id"], taskId=t2["id"]) == [b["id"]]
    assert _ids(api, "/api/worklogs/", taskId=t1["id"], remittanceStatus="UNREMITTED") == [a["id"], d["id"]]


def test_pagination_follows_next_and_previous_in_id_order(api):
    worker = WorkerFactory()
    made = [WorkLogFactory(worker=worker).pk for _ in range(7)]
    seen, url, pages = [], LIST_ALL + "?pageSize=3", 0
    while url:
        response = api.get(url)
        assert response.status_code == 200
        body = response.json()
        assert len(body["results"]) <= 3
        assert (body["previous"] is None) == (pages == 0)
        seen += [w["id"] for w in body["results"]]
        url, pages = body["next"], pages + 1
    assert seen == sorted(made)
    assert pages == 3
    second = api.get(LIST_ALL, {"pageSize": 3, "page": 2}).json()
    assert [w["id"] for w in second["results"]] == sorted(made)[3:6]
    assert [w["id"] for w in api.get(second["previous"]).json()["results"]] == sorted(made)[:3]


def test_page_size_is_capped_at_500(api):
    # Setup shortcut (the rule is about the list): 501 worklogs in bulk, no items needed.
    worker = WorkerFactory()
    tasks = Task.objects.bulk_create([Task(title=f"bulk {i}") for i in range(501)])
    WorkLog.objects.bulk_create(
        [WorkLog(worker=worker, task=t, hourly_rate=Decimal("10.00"), currency="USD") for t in tasks]
    )
    body = api.get(LIST_ALL, {"pageSize": 1000}).json()
    assert len(body["results"]) == 500
    assert body["next"] is not None


def test_list_rows_are_exactly_the_worklog_serializers_representation(api):
    """The list pages build their rows directly (for speed); they must match WorkLogSerializer."""
    paid = new_worklog(api, rate="45.39")
    record(api, paid["id"], ts("2024-10-07", "09:00"), 10)
    pay(api, generate(api, "2024-10-31")["remittances"][0]["id"])
    owing = new_worklog(api, rate="10.00")
    adjustment(api, owing["id"], "-12.34")
    new_worklog(api, rate="60.00")  # no items at all

    listed = api.get("/list-all-worklogs", {"pageSize": 10}).json()["results"]
    expected = [dict(camelize(WorkLogSerializer(w).data)) for w in WorkLog.objects.order_by("pk")]
    assert listed == expected
    assert [(r["amount"], r["remittedAmount"], r["remittanceStatus"]) for r in listed] == [
        ("7.57", "7.57", "REMITTED"),
        ("-12.34", "0.00", "UNREMITTED"),
        ("0.00", "0.00", "UNREMITTED"),
    ]


def test_list_rows_match_the_serializer_in_another_time_zone(api, settings):
    settings.TIME_ZONE = "Europe/Paris"
    wl = new_worklog(api, rate="10.00")
    listed = api.get("/list-all-worklogs").json()["results"]
    detail = api.get(f"/api/worklogs/{wl['id']}/").json()
    assert listed == [detail]
    assert detail["createdAt"].endswith(("+01:00", "+02:00"))
