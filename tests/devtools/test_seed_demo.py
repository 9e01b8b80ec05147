"""`manage.py seed_demo` (used by `make run`): idempotent, consistent money, a working token.

The tests run with debug off, as production does, so they pass `--force` (tests/devtools/ checks the
refusal without it)."""

import re
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone
from rest_framework.test import APIClient

from ledger.selectors import trial_balance
from settlements.models import (
    BankReport,
    Claim,
    PayoutDestination,
    Remittance,
    RemittanceStatus,
    SepaFile,
    SettlementRun,
)
from tests.settlements.banking.sepa_support import parse_pain001
from worklogs.models import Adjustment, Item, Segment, SegmentStatus, Task, Worker, WorkLog

pytestmark = pytest.mark.django_db

ZERO = Decimal("0.00")


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", force=True, stdout=out)
    return out.getvalue()


def _token(output: str) -> str:
    match = re.search(r"API token: (\w+)", output)
    assert match, output
    return match.group(1)


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _counts() -> dict[str, int]:
    models = (User, Worker, Task, WorkLog, Segment, Item, Adjustment, Claim, Remittance, SettlementRun)
    return {model.__name__: model.objects.count() for model in models}


def _all_pages(client: APIClient, url: str) -> list[dict]:
    results = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        results += response.json()["results"]
        url = response.json()["next"]
    return results


def _status_of_items() -> dict[int, str | None]:
    """Each item's latest claim's remittance status (None: never claimed), from the claims themselves."""
    latest: dict[int, tuple[int, str]] = {}
    for item_id, generation, status in Claim.objects.values_list("item_id", "generation", "remittance__status"):
        if item_id not in latest or generation > latest[item_id][0]:
            latest[item_id] = (generation, status)
    return {pk: latest.get(pk, (0, None))[1] for pk in Item.objects.values_list("pk", flat=True)}


def test_seed_demo_is_idempotent_and_prints_a_working_token_each_time():
    first = _seed()
    counts = _counts()
    second = _seed()

    assert "Demo data created." in first
    assert "Demo data created." not in second
    assert _counts() == counts
    # Tokens are stored as digests: each run issues a new one (the old one keeps working until it expires).
    for output in (first, second):
        assert _client(_token(output)).get("/api/workers/").status_code == 200
    assert counts["Worker"] == 3


def test_seed_demo_builds_the_story_it_promises():
    _seed()

    assert Worker.objects.filter(currency="EUR").exists()
    statuses = set(Remittance.objects.values_list("status", flat=True))
    assert {RemittanceStatus.PAID, RemittanceStatus.PENDING, RemittanceStatus.FAILED} <= statuses
    assert Segment.objects.filter(status=SegmentStatus.DISPUTED).exists()
    # A deduction on a worklog that already had paid work.
    deduction = Adjustment.objects.get(amount__lt=0)
    assert deduction.worklog.remitted_amount > 0
    # A late segment: work dated in the paid period, recorded after that run, not in its remittances.
    paid_run = SettlementRun.objects.order_by("pk").first()
    late = Segment.objects.filter(work_date__lte=paid_run.period_end, created_at__gt=paid_run.created_at)
    assert late.exists()
    assert not Claim.objects.filter(item__segment__in=late, remittance__run=paid_run).exists()
    # Every segment lies in the past.
    assert not Segment.objects.filter(ended_at__gt=timezone.now()).exists()


def test_printed_token_lists_both_remitted_and_unremitted_worklogs():
    client = _client(_token(_seed()))

    remitted = _all_pages(client, "/list-all-worklogs?remittanceStatus=REMITTED")
    unremitted = _all_pages(client, "/list-all-worklogs?remittanceStatus=UNREMITTED")

    assert remitted and unremitted
    assert {w["remittanceStatus"] for w in remitted} == {"REMITTED"}
    assert all(w["remittedAmount"] == w["amount"] for w in remitted)
    assert {w["remittanceStatus"] for w in unremitted} == {"UNREMITTED"}
    assert len(remitted) + len(unremitted) == WorkLog.objects.count()


def test_seeded_money_is_consistent_with_its_items_claims_and_ledger():
    output = _seed()
    client = _client(_token(output))
    item_status = _status_of_items()
    items = list(Item.objects.values("pk", "worker_id", "worklog_id", "amount"))

    by_worker: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for item in items:
        status = item_status[item["pk"]]
        bucket = {RemittanceStatus.PAID: "remitted", RemittanceStatus.PENDING: "pending"}.get(status, "unremitted")
        by_worker[item["worker_id"]][bucket] += item["amount"]

    for worker in Worker.objects.all():
        balance = client.get(f"/api/workers/{worker.pk}/balance/").json()
        expected = by_worker[worker.pk]
        assert Decimal(balance["unremitted"]) == expected["unremitted"]
        assert Decimal(balance["pending"]) == expected["pending"]
        assert Decimal(balance["remitted"]) == expected["remitted"]
        worklog_total = WorkLog.objects.filter(worker=worker).aggregate(t=Sum("amount"))["t"]
        assert sum((Decimal(balance[k]) for k in ("unremitted", "pending", "remitted")), ZERO) == worklog_total

    for worklog in WorkLog.objects.all():
        own = [i for i in items if i["worklog_id"] == worklog.pk]
        assert worklog.amount == sum((i["amount"] for i in own), ZERO)
        paid = [i for i in own if item_status[i["pk"]] == RemittanceStatus.PAID]
        assert worklog.remitted_amount == sum((i["amount"] for i in paid), ZERO)
        assert worklog.paid_item_count == len(paid)

    for remittance in Remittance.objects.filter(status=RemittanceStatus.PAID):
        assert remittance.amount == Claim.objects.filter(remittance=remittance).aggregate(t=Sum("amount"))["t"]

    assert all(total == 0 for total in trial_balance().values())


def test_demo_worker_user_sees_only_its_own_worker():
    password = re.search(r"Worker user worker1: password (\S+)", _seed()).group(1)
    response = APIClient().post("/api/auth/token/", {"username": "worker1", "password": password}, format="json")
    assert response.status_code == 200
    client = _client(response.json()["token"])
    own = Worker.objects.get(user__username="worker1")
    other = Worker.objects.exclude(pk=own.pk).first()

    assert client.get(f"/api/workers/{own.pk}/").status_code == 200
    assert client.get(f"/api/workers/{other.pk}/").status_code == 404
    worklogs = _all_pages(client, "/api/worklogs/")
    assert worklogs and {w["workerId"] for w in worklogs} == {own.pk}


def test_finance_password_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DEMO_FINANCE_PASSWORD", "another-secret-1")
    output = _seed()
    assert "password: another-secret-1" in output

    response = APIClient().post(
        "/api/auth/token/", {"username": "finance", "password": "another-secret-1"}, format="json"
    )
    assert response.status_code == 200
    assert _client(response.json()["token"]).get("/api/workers/").status_code == 200
    user = User.objects.get(username="finance")
    assert user.is_superuser and user.is_staff and user.groups.filter(name="finance").exists()


def test_seed_demo_shows_an_approved_run_one_awaiting_approval_and_a_returned_payout():
    output = _seed()
    approved, waiting = SettlementRun.objects.order_by("pk")
    assert (approved.approval_state, approved.created_by.username, approved.approved_by.username) == (
        "approved",
        "finance",
        "controller",
    )
    assert (waiting.approval_state, waiting.created_by) == ("pending", None)
    assert f"Awaiting four-eyes approval: run(s) #{waiting.pk}" in output
    returned = Remittance.objects.get(status=RemittanceStatus.RETURNED)
    assert returned.run == approved and returned.worker.name == "Chloé Dubois"
    # Her returned money is paid again by the next run, which the demo's finance user may approve.
    again = waiting.remittances.get(worker=returned.worker)
    assert again.amount == returned.amount
    response = _client(_token(output)).post(f"/api/settlement-runs/{waiting.pk}/approve/")
    assert (response.status_code, response.json()["approvedBy"]) == (200, "finance")


def test_seed_demo_shows_bank_details_a_sepa_file_and_a_bank_report():
    _seed()
    details = dict(PayoutDestination.objects.values_list("worker__name", "confirmed_at"))
    assert details["Chloé Dubois"] is not None  # confirmed by the controller
    assert details["Bob Okafor"] is None  # awaiting a second user
    sepa = SepaFile.objects.get()
    parsed = parse_pain001(bytes(sepa.content))
    assert (parsed["count"], parsed["controlSum"]) == (1, sepa.control_sum)
    assert [o["outcome"] for o in BankReport.objects.get().outcomes] == ["paid"]
