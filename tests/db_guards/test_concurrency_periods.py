"""Runs for different period ends racing over the same workers never claim one item twice.

The one-live-remittance-per-worker-and-period index cannot stop these two (their periods differ):
an October item is due to both the October and the November run, so what keeps it from being paid
twice is the worker lock and the claim's unique (item, generation) index. Real threads, real
connections, on PostgreSQL (SQLite serialises every writer).
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db.models import Sum

from core.errors import Conflict
from settlements import services as settlement_services
from settlements.models import Claim, Remittance, RemittanceStatus
from tests.db_guards.threads import POSTGRES_THREADS, in_threads, live_claims_per_item, token_client
from tests.support.factories import FinanceUserFactory, WorkLogFactory
from worklogs import services as worklog_services
from worklogs.models import Adjustment, Item, WorkLog

pytestmark = POSTGRES_THREADS

OCT = date(2025, 10, 31)
NOV = date(2025, 11, 30)
WORKERS = 6
ROUNDS = 3
# Worker i: 10·(i+1) minutes in October and 7 in November at 45.39/h, plus 1.01, its worklog rounded
# once, half up: 7.565 + 1.01 + 5.2955 = 13.8705 -> 13.87, ..., 22.695 + 6.3055 = 29.0005 -> 29.00.
OWED = [Decimal(x) for x in ("13.87", "21.44", "29.00", "36.57", "44.13", "51.70")]


def _record(worklog, month: int, day: int, minutes: int) -> None:
    start = datetime(2025, month, day, 9, tzinfo=UTC)
    worklog_services.segment_record(worklog=worklog, started_at=start, ended_at=start + timedelta(minutes=minutes))


def _workers_owed_in_october_and_november() -> list[WorkLog]:
    """Each worker: an October segment and an undated bonus (due to both runs), a November segment."""
    worklogs = [WorkLogFactory(hourly_rate=Decimal("45.39")) for _ in range(WORKERS)]
    for i, worklog in enumerate(worklogs):
        _record(worklog, 10, 1 + i, minutes=10 * (i + 1))
        worklog_services.adjustment_record(worklog=worklog, amount=Decimal("1.01"), reason="bonus")
        _record(worklog, 11, 1 + i, minutes=7)
    return worklogs


def test_october_and_november_runs_racing_never_claim_an_item_twice(settings):
    settings.SETTLEMENT_CHUNK_SIZE = 1  # one transaction per worker: the two runs interleave
    settings.SETTLEMENT_PARALLELISM = 1  # each run settles its chunks one after another
    outcomes = []
    for _ in range(ROUNDS):  # fresh workers each round, so the race happens again
        worklogs = _workers_owed_in_october_and_november()

        results = in_threads(
            lambda: settlement_services.settlement_generate(period_end=OCT),
            lambda: settlement_services.settlement_generate(period_end=NOV),
        )

        assert all(outcome == "ok" or isinstance(value, Conflict) for outcome, value in results), results
        outcomes.append([outcome for outcome, _ in results])
        settlement_services.settlement_generate(period_end=NOV)  # settles whatever a refused run left

        claims = live_claims_per_item()
        assert set(claims) == set(Item.objects.values_list("pk", flat=True))
        assert set(claims.values()) == {1}, [item for item, n in claims.items() if n > 1]
        # November work is never due to the October run.
        assert not Claim.objects.filter(remittance__period_end=OCT, item__work_date__gt=OCT).exists()
        pending = Remittance.objects.filter(status=RemittanceStatus.PENDING)
        assert pending.count() == Remittance.objects.count()
        assert pending.aggregate(t=Sum("amount"))["t"] == Item.objects.aggregate(t=Sum("amount"))["t"]
        paid = dict(pending.values("worker_id").annotate(t=Sum("amount")).values_list("worker_id", "t"))
        assert [paid[w.worker_id] for w in worklogs] == OWED, (outcomes, paid)
        for worklog in worklogs:
            worklog.refresh_from_db()
            assert paid[worklog.worker_id] == worklog.amount


def test_one_adjustment_external_id_posted_for_two_workers_at_once_is_201_and_409_never_500():
    first, second = WorkLogFactory(), WorkLogFactory()  # two workers: the requests share no row lock
    client = token_client(FinanceUserFactory())

    def post(worklog, external_id):
        body = {"worklogId": worklog.pk, "amount": "-5.00", "reason": "equipment", "externalId": external_id}
        return lambda: client.post("/api/adjustments/", body, format="json").status_code

    for round_ in range(5):  # the later one meets the unique index whenever both pass the lookup
        external_id = f"fin-race-{round_}"
        results = in_threads(post(first, external_id), post(second, external_id))
        assert sorted(value for _, value in results) == [201, 409], results
        assert Adjustment.objects.get(external_id=external_id).amount == Decimal("-5.00")
