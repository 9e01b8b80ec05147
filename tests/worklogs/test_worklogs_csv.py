"""The worklog list as CSV (`?format=csv`) for finance spreadsheets: the JSON list's filters, streamed."""

from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from settlements import services as settlement_services
from tests.support.csv_exports import csv_rows, october_run
from tests.support.factories import TaskFactory, UserFactory, WorkLogFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def october():
    """Three workers (two USD, one EUR) with October work, and the October run."""
    return october_run()


def test_list_all_worklogs_csv_applies_the_same_filters_as_the_json_list(api, october):
    r_ada = october["remittances"][0]
    wl_ada, wl_sly, wl_eve = october["worklogs"]
    settlement_services.remittance_mark_paid(remittance=r_ada)

    remitted = csv_rows(api.get("/list-all-worklogs", {"format": "csv", "remittanceStatus": "REMITTED"}))
    unremitted = csv_rows(api.get("/list-all-worklogs", {"format": "csv", "remittanceStatus": "UNREMITTED"}))
    json_unremitted = api.get("/list-all-worklogs", {"remittanceStatus": "UNREMITTED"}).json()["results"]

    header = remitted[0]
    assert header[:3] == ["worklog id", "external id", "worker id"]
    as_dicts = [dict(zip(header, row, strict=True)) for row in remitted[1:]]
    assert [
        (d["worklog id"], d["external id"], d["amount"], d["remitted amount"], d["unremitted amount"]) for d in as_dicts
    ] == [(str(wl_ada.pk), "WL-A", "60.00", "60.00", "0.00")]
    assert as_dicts[0]["remittance status"] == "REMITTED" and as_dicts[0]["worker"] == "Ada"
    assert [int(row[0]) for row in unremitted[1:]] == [w["id"] for w in json_unremitted] == [wl_sly.pk, wl_eve.pk]
    assert [row[header.index("amount")] for row in unremitted[1:]] == ["7.57", "60.00"]
    assert [row[header.index("currency")] for row in unremitted[1:]] == ["USD", "EUR"]


def test_worklogs_csv_filters_by_worker_task_and_external_id_and_ignores_pagination(api, october):
    wl_ada, wl_sly, wl_eve = october["worklogs"]
    second = WorkLogFactory(worker=october["workers"][2], task=TaskFactory(), hourly_rate=Decimal("20.00"))

    by_worker = csv_rows(api.get("/api/worklogs/", {"format": "csv", "workerId": wl_eve.worker_id, "pageSize": 1}))
    by_task = csv_rows(api.get("/api/worklogs/", {"format": "csv", "taskId": wl_sly.task_id}))
    by_external = csv_rows(api.get("/api/worklogs/", {"format": "csv", "externalId": "WL-A"}))

    assert [int(row[0]) for row in by_worker[1:]] == [wl_eve.pk, second.pk]
    assert [int(row[0]) for row in by_task[1:]] == [wl_sly.pk]
    assert [int(row[0]) for row in by_external[1:]] == [wl_ada.pk]


def test_worklogs_csv_of_a_worker_user_holds_only_their_worklogs(make_client, october):
    eve = october["workers"][2]
    eve.user = UserFactory()
    eve.save(update_fields=["user"])

    rows = csv_rows(make_client(eve.user).get("/list-all-worklogs", {"format": "csv"}))

    assert [int(row[0]) for row in rows[1:]] == [october["worklogs"][2].pk]


def test_worklogs_csv_bad_filter_is_a_json_400_and_non_finance_is_403(api, make_client, plain_user, october):
    response = api.get("/list-all-worklogs", {"format": "csv", "remittanceStatus": "PAID"})
    assert response.status_code == 400
    assert "remittanceStatus" in response.json()
    assert make_client(plain_user).get("/list-all-worklogs", {"format": "csv"}).status_code == 403


def test_worklogs_csv_is_streamed_from_one_query_whatever_the_row_count(api, october):
    for _ in range(5):
        WorkLogFactory(hourly_rate=Decimal("10.00"))
    response = api.get("/api/worklogs/", {"format": "csv"})
    assert isinstance(response, StreamingHttpResponse) and response.streaming

    with CaptureQueriesContext(connection) as queries:
        rows = csv_rows(response)

    assert len(rows) == 1 + 8
    # Worker and task names come from the same query (select_related), never one query per row.
    assert len(queries.captured_queries) == 1
