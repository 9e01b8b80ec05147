"""`manage.py bench` at a tiny scale: it completes, writes its JSON, and leaves a consistent database.

The autouse audit (tests/conftest.py) then recomputes every worklog total, every item's cents,
every remittance and every worker's ledger from the facts: the synthetic data set the benchmark
loads with COPY is exactly what the services would have written. The tests that run the command are
marked `postgres`: the benchmark loads with COPY and measures PostgreSQL.
"""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from devtools.bench import wrk
from settlements.models import Remittance, RemittanceStatus
from tests.support.factories import WorkerFactory
from worklogs.models import Item, Segment


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bench_at_tiny_scale_completes_and_writes_its_figures(tmp_path):
    out = tmp_path / "bench.json"
    stdout = StringIO()
    call_command(
        "bench", "--scale", "0.001", "--runs", "1", "--requests", "4", "--load-generator", "python",
        "--json", str(out), stdout=stdout,
    )  # fmt: skip

    results = json.loads(out.read_text())
    plan = results["plan"]
    assert plan["workers"] == 10
    settlement = results["settlement"]
    # Every worker had positive pay due for the period, and every timed run was undone afterwards.
    assert settlement["remittances"] == plan["workers"]
    assert settlement["items"] > plan["segments_to_settle"] * 0.9
    assert settlement["concurrent_segments_lost"] == 0
    assert settlement["concurrent_segments_claimed_twice"] == 0
    assert settlement["concurrent_errors"] == []
    assert 0 <= settlement["concurrent_segments_in_run"] <= settlement["concurrent_segments"]
    assert results["naive"]["items"] > 0
    assert set(results["list_gunicorn"]) == {"UNREMITTED.first", "UNREMITTED.last", "REMITTED.first", "REMITTED.last"}
    assert all(row["errors"] == 0 for row in results["list_gunicorn"].values())
    assert results["ingest_gunicorn"]["errors"] == 0
    assert "settlement.speedup_vs_naive" in results["targets"]
    # Each hot path beside its floor, in the same run: the settlement, the four list pages, ingestion.
    assert {"settlement / floor", "list REMITTED.last / floor", "ingestion / floor"} <= set(results["targets"])
    assert results["settlement_floor"]["items"] == settlement["items"]
    assert all(row["errors"] == 0 for row in results["list_floor_gunicorn"].values())
    assert results["ingest_floor_gunicorn"]["errors"] == 0
    batches = results["ingest_batch_gunicorn"]
    assert (batches["errors"], batches["segments_created"]) == (0, batches["segments_expected"])
    assert batches["segments_expected"] == 8 * 3 * 100 and batches["ratio_vs_single"] > 0
    assert results["audit_after_bench"]["differences"] == 0
    assert "batch ingestion" in stdout.getvalue()
    csv_export = results["csv_export"]
    # Every worklog of the data set, plus the bench's own ingestion worklogs.
    assert (csv_export["status"], csv_export["rows"]) == (200, plan["worklogs"] + 8)
    assert "speedup vs naive" in stdout.getvalue()
    assert "Beside the floors (same run, same data):" in stdout.getvalue()
    dashboard = results["dashboard_test_client"]
    assert (dashboard["status"], dashboard["requests"]) == (200, 5) and dashboard["p50_ms"] > 0

    # The paid month stays paid; the timed runs left no remittance behind.
    assert set(Remittance.objects.values_list("status", flat=True)) == {RemittanceStatus.PAID}
    assert Remittance.objects.count() == plan["workers"]
    # About 2% removed (with their reversals) and 2% disputed, as promised.
    removed = Segment.objects.filter(status="REMOVED").count()
    assert removed == Item.objects.filter(kind="REVERSAL").count()
    assert 0 < Segment.objects.filter(status="DISPUTED").count() < Segment.objects.count() * 0.06


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bench_refuses_a_database_that_is_not_fresh():
    WorkerFactory()
    with pytest.raises(CommandError, match="fresh database"):
        call_command("bench", "--scale", "0.001", stdout=StringIO())


WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8111/list-all-worklogs?pageSize=100
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    70.89ms   24.59ms   1.20s    82.33%
    Req/Sec    57.27     15.74    80.00     69.39%
  Latency Distribution
     50%  866.00us
     75%   78.29ms
     90%   96.82ms
     99%    1.78s
  569 requests in 5.03s, 12.83MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    113.23
Transfer/sec:      2.55MB
"""


def test_wrk_output_is_read_with_its_units():
    figures = wrk.parse(WRK_OUTPUT)
    assert figures == {
        "tool": "wrk",
        "req_per_s": 113.23,
        "p50_ms": 0.866,
        "p99_ms": 1780.0,
        "requests": 569,
        "errors": 3,
        "socket_errors": "",
    }
