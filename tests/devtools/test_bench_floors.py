"""The bench's floors (devtools/bench/floors) do the product's work: the settlement floor pays every
worker exactly what the product's run pays, the list floor answers the same bytes as the real list,
and the ingestion floor's rows are removed again. PostgreSQL only (the floors' SQL is PostgreSQL's)."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest

from api.tokens import token_issue
from devtools.bench import datagen, undo
from devtools.bench.floors.settlement import floor_settle
from devtools.management.commands.bench import Command
from settlements.models import Claim, Remittance
from settlements.services.runs import settlement_generate
from tests.support.factories import FinanceUserFactory, WorkerFactory, WorkLogFactory
from worklogs.models import Item, Segment, WorkLog
from worklogs.services import segment_record

pytestmark = pytest.mark.postgres


def _paid(run_id: int) -> tuple[dict, set]:
    totals = dict(Remittance.objects.filter(run_id=run_id).values_list("worker_id", "amount"))
    claims = set(
        Claim.objects.filter(remittance__run_id=run_id).values_list("item_id", "generation", "worklog_id", "amount")
    )
    return totals, claims


def _load_small_data_set() -> datagen.Plan:
    """The bench's own data set at its smallest: a paid month, then removals (some with a reversal
    not yet due), disputes, clawbacks and adjustments (some not yet due) to settle."""
    plan = datagen.Plan(scale=0.001)
    Command(stdout=StringIO()).load(plan, {"load": {}})
    return plan


@pytest.mark.django_db(transaction=True)
def test_the_settlement_floor_pays_what_the_product_pays():
    plan = _load_small_data_set()

    floor = floor_settle(period_end=plan.period2_end, chunk_size=3, parallelism=2)
    floor_totals, floor_claims = _paid(floor["run_id"])
    undo.undo_run(floor["run_id"])
    assert not Remittance.objects.filter(run_id=floor["run_id"]).exists()  # undone: the product sees the same data

    run = settlement_generate(period_end=plan.period2_end)
    totals, claims = _paid(run.pk)

    assert floor_totals == totals  # to the cent, worker by worker
    assert floor_claims == claims  # the same items, generations and amounts
    assert (floor["items"], floor["remittances"]) == (len(claims), len(totals))
    assert len(totals) == plan.workers
    # Held back by both: disputed earnings and earnings whose reversal is not yet due.
    held = Item.objects.filter(worker_id__in=totals, segment__status="DISPUTED", kind="EARNING")
    assert held.exists() and not held.filter(pk__in=[c[0] for c in claims]).exists()


@pytest.mark.django_db
def test_the_settlement_floor_in_a_transaction_settles_chunk_after_chunk_and_is_undone():
    WorkerFactory.create_batch(3)
    floor = floor_settle(period_end=datetime.now(UTC).date(), chunk_size=2, parallelism=2)
    assert floor["items"] == floor["remittances"] == 0  # nothing earned, nothing paid
    undo.undo_run(floor["run_id"])


def _token() -> str:
    user = FinanceUserFactory()
    return token_issue(user=user)[1]


@pytest.mark.urls("devtools.bench.floors.urls")
@pytest.mark.django_db(transaction=True)
def test_the_list_floor_answers_the_same_bytes_as_the_list(client):
    plan = _load_small_data_set()
    token = _token()
    header = {"HTTP_AUTHORIZATION": f"Token {token}"}
    for status in ("UNREMITTED", "REMITTED"):
        url = f"/list-all-worklogs?remittanceStatus={status}&pageSize=30"
        page = 0
        while url:
            product = client.get(url, **header)
            floor = client.get("/bench-floor" + url, **header)
            assert product.status_code == floor.status_code == 200
            assert product.content == floor.content, url
            body = json.loads(product.content)
            url = body["next"].removeprefix("http://testserver") if body["next"] else None
            page += 1
        assert page > 1  # followed the pages to the last
    assert plan.worklogs > 30
    # The floor checks the token as the product does.
    assert client.get("/bench-floor/list-all-worklogs").status_code == 401
    assert client.get("/bench-floor/list-all-worklogs", HTTP_AUTHORIZATION="Token nope").status_code == 401


@pytest.mark.urls("devtools.bench.floors.urls")
@pytest.mark.django_db
def test_the_ingestion_floor_writes_a_segment_and_its_item_and_the_bench_deletes_them(client):
    worklog = WorkLogFactory()
    WorkLog.objects.filter(pk=worklog.pk).update(hourly_rate="42.50")
    token = _token()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    body = {"startedAt": start.isoformat(), "endedAt": (start + timedelta(seconds=60)).isoformat()}
    answer = client.post(
        f"/bench-floor/worklogs/{worklog.pk}/segments/",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert answer.status_code == 201, answer.content
    segment = Segment.objects.get(pk=answer.json()["id"])
    assert (segment.seconds, segment.worklog_id) == (60, worklog.pk)
    assert Item.objects.get(segment=segment).amount == Decimal("0.71")  # 60 s at 42.50/h, rounded

    # A post of the product's load that landed late: recorded after the floor's, starting later.
    later = start + timedelta(hours=1)
    worklog.refresh_from_db()
    kept, _ = segment_record(worklog=worklog, started_at=later, ended_at=later + timedelta(seconds=60))

    undone = undo.undo_segments(worklog_ids=[worklog.pk], after_segment_id=segment.pk - 1, started_before=later)
    assert undone == 1
    assert list(Segment.objects.filter(worklog=worklog).values_list("pk", flat=True)) == [kept.pk]
    assert list(Item.objects.filter(worklog=worklog).values_list("segment_id", flat=True)) == [kept.pk]


def test_a_load_is_counted_once_its_last_request_has_landed():
    counts = iter([5, 7, 9, 9, 12])
    naps: list[float] = []
    assert undo.settled_count(lambda: next(counts), quiet_seconds=0.5, sleep=naps.append) == 9
    assert naps == [0.5, 0.5, 0.5]


def test_waiting_for_a_load_to_settle_gives_up_after_its_timeout():
    counts = iter(range(100))
    naps: list[float] = []
    assert undo.settled_count(lambda: next(counts), quiet_seconds=1.0, timeout=3.0, sleep=naps.append) == 3
    assert naps == [1.0, 1.0, 1.0]
