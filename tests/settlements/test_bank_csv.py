"""CSV exports: a run's remittances for the bank, and the worklog list for finance spreadsheets."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from settlements import services as settlement_services
from settlements.api.exports import remittance_csv_lines
from tests.support.factories import TaskFactory, UserFactory, WorkerFactory, WorkLogFactory
from worklogs import services

pytestmark = pytest.mark.django_db

REMITTANCE_HEADER = ["worker", "external id", "email", "amount", "currency", "status", "remittance id", "period end"]


def _work(worklog, *, day: int, minutes: int) -> None:
    start = datetime(2025, 10, day, 9, 0, tzinfo=UTC)
    services.segment_record(worklog=worklog, started_at=start, ended_at=start + timedelta(minutes=minutes))


def _rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def october():
    """Three workers (two USD, one EUR) with October work, and the October run."""
    ada = WorkerFactory(name="Ada", email="ada@example.com", external_id="A-1")
    sly = WorkerFactory(name='=HYPERLINK("http://evil")', email="sly@example.com")
    eve = WorkerFactory(name="Eve", email="eve@example.com", currency="EUR", external_id="E-3")
    wl_ada = WorkLogFactory(worker=ada, hourly_rate=Decimal("60.00"), external_id="WL-A")
    wl_sly = WorkLogFactory(worker=sly, hourly_rate=Decimal("45.39"))
    wl_eve = WorkLogFactory(worker=eve, hourly_rate=Decimal("30.00"))
    _work(wl_ada, day=1, minutes=60)  # 60.00
    _work(wl_sly, day=1, minutes=10)  # 7.565 -> 7.57
    _work(wl_eve, day=2, minutes=120)  # 60.00
    run = settlement_services.settlement_generate(period_end=date(2025, 10, 31))
    by_worker = {r.worker_id: r for r in run.remittances.all()}
    return {
        "run": run,
        "workers": (ada, sly, eve),
        "worklogs": (wl_ada, wl_sly, wl_eve),
        "remittances": (by_worker[ada.pk], by_worker[sly.pk], by_worker[eve.pk]),
    }


def test_run_remittances_csv_lists_every_remittance_then_totals_per_currency(api, october):
    run = october["run"]
    r_ada, r_sly, r_eve = october["remittances"]

    rows = _rows(api.get(f"/api/settlement-runs/{run.pk}/remittances.csv"))

    assert rows == [
        REMITTANCE_HEADER,
        ["Ada", "A-1", "ada@example.com", "60.00", "USD", "PENDING", str(r_ada.pk), "2025-10-31"],
        # A name that a spreadsheet would run as a formula is neutralised.
        ['\'=HYPERLINK("http://evil")', "", "sly@example.com", "7.57", "USD", "PENDING", str(r_sly.pk), "2025-10-31"],
        ["Eve", "E-3", "eve@example.com", "60.00", "EUR", "PENDING", str(r_eve.pk), "2025-10-31"],
        ["TOTAL", "", "", "60.00", "EUR", "", "", "2025-10-31"],
        ["TOTAL", "", "", "67.57", "USD", "", "", "2025-10-31"],
    ]


def test_run_remittances_csv_status_filter_narrows_rows_and_totals(api, october):
    run = october["run"]
    _, r_sly, _ = october["remittances"]
    settlement_services.remittance_cancel(remittance=r_sly, reason="Wrong bank details")

    rows = _rows(api.get(f"/api/settlement-runs/{run.pk}/remittances.csv", {"status": "PENDING"}))

    assert [row[0] for row in rows[1:-2]] == ["Ada", "Eve"]
    assert rows[-2:] == [
        ["TOTAL", "", "", "60.00", "EUR", "", "", "2025-10-31"],
        ["TOTAL", "", "", "60.00", "USD", "", "", "2025-10-31"],
    ]
    everything = _rows(api.get(f"/api/settlement-runs/{run.pk}/remittances.csv"))
    assert [row[5] for row in everything if row[0].startswith("'=")] == ["CANCELLED"]
    assert api.get(f"/api/settlement-runs/{run.pk}/remittances.csv", {"status": "LOST"}).status_code == 400


def test_run_remittances_csv_is_for_finance_only(make_client, plain_user, anon_client, api, october):
    run = october["run"]
    url = f"/api/settlement-runs/{run.pk}/remittances.csv"
    ada = october["workers"][0]
    ada_user = UserFactory()
    ada.user = ada_user
    ada.save(update_fields=["user"])
    assert make_client(plain_user).get(url).status_code == 403
    assert make_client(ada_user).get(url).status_code == 403
    assert anon_client.get(url).status_code == 401
    assert api.get(f"/api/settlement-runs/{run.pk + 999}/remittances.csv").status_code == 404
    assert api.get(url, HTTP_ACCEPT="text/csv").status_code == 200


def test_remittance_csv_writer_is_usable_without_a_request(october):
    lines = list(remittance_csv_lines(run=october["run"]))
    assert lines[0] == ",".join(REMITTANCE_HEADER) + "\r\n"
    assert lines[-1] == "TOTAL,,,67.57,USD,,,2025-10-31\r\n"


# --- Worklog list as CSV ----------------------------------------------------------------------


def test_list_all_worklogs_csv_applies_the_same_filters_as_the_json_list(api, october):
    r_ada = october["remittances"][0]
    wl_ada, wl_sly, wl_eve = october["worklogs"]
    settlement_services.remittance_mark_paid(remittance=r_ada)

    remitted = _rows(api.get("/list-all-worklogs", {"format": "csv", "remittanceStatus": "REMITTED"}))
    unremitted = _rows(api.get("/list-all-worklogs", {"format": "csv", "remittanceStatus": "UNREMITTED"}))
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

    by_worker = _rows(api.get("/api/worklogs/", {"format": "csv", "workerId": wl_eve.worker_id, "pageSize": 1}))
    by_task = _rows(api.get("/api/worklogs/", {"format": "csv", "taskId": wl_sly.task_id}))
    by_external = _rows(api.get("/api/worklogs/", {"format": "csv", "externalId": "WL-A"}))

    assert [int(row[0]) for row in by_worker[1:]] == [wl_eve.pk, second.pk]
    assert [int(row[0]) for row in by_task[1:]] == [wl_sly.pk]
    assert [int(row[0]) for row in by_external[1:]] == [wl_ada.pk]


def test_worklogs_csv_of_a_worker_user_holds_only_their_worklogs(make_client, october):
    eve = october["workers"][2]
    eve.user = UserFactory()
    eve.save(update_fields=["user"])

    rows = _rows(make_client(eve.user).get("/list-all-worklogs", {"format": "csv"}))

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
        rows = _rows(response)

    assert len(rows) == 1 + 8
    # Worker and task names come from the same query (select_related), never one query per row.
    assert len(queries.captured_queries) == 1
