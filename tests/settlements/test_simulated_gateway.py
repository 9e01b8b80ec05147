"""The simulated payout provider: one reference per idempotency key, outcomes from the failure rate and the
seed, signed reports over real HTTP, end to end through the next run.
"""

import json
import urllib.request
from collections import Counter

import pytest

from settlements.models import PayoutSubmission, ProcessorEvent, Remittance
from tests.support.api_helpers import (
    balance,
    generate,
    get_remittance,
    get_worklog,
    new_worklog,
    record,
    remittance_of,
    ts,
)

pytestmark = pytest.mark.django_db

OCT, NOV = "2024-10-31", "2024-11-30"


def _worker_with_hours(api, minutes: int, rate: str = "10.00") -> dict:
    wl = new_worklog(api, rate=rate)
    record(api, wl["id"], ts("2024-10-03"), minutes)
    return wl


def test_simulated_provider_returns_the_same_reference_for_the_same_key(simulated):
    gateway = simulated()
    remittance = Remittance(pk=41, amount="1.00", currency="USD")
    first = gateway.submit(idempotency_key="remittance-41", remittance=remittance)
    second = gateway.submit(idempotency_key="remittance-41", remittance=remittance)
    other = gateway.submit(idempotency_key="remittance-42", remittance=Remittance(pk=42, amount="1.00", currency="USD"))
    assert first == second != other
    assert len(simulated.payouts) == 2


def test_simulated_provider_end_to_end_failed_items_are_paid_by_the_next_run(
    api, simulated, settings, django_capture_on_commit_callbacks
):
    wl_a = _worker_with_hours(api, 20, rate="10.00")  # 3.33
    record(api, wl_a["id"], ts("2024-10-04"), 20)  # +3.34
    wl_b = _worker_with_hours(api, 10, rate="45.39")  # 7.57

    settings.PAYOUT_SIMULATED_FAILURE_RATE = "1"
    with django_capture_on_commit_callbacks(execute=True):
        first = generate(api, OCT)
    for wl, amount in ((wl_a, "6.67"), (wl_b, "7.57")):
        remittance = get_remittance(api, remittance_of(first, wl["workerId"])["id"])
        assert (remittance["status"], remittance["amount"]) == ("FAILED", amount)
        assert remittance["statusReason"].startswith("Simulated provider")
        assert balance(api, wl["workerId"])["unremitted"] == amount

    settings.PAYOUT_SIMULATED_FAILURE_RATE = "0"
    with django_capture_on_commit_callbacks(execute=True):
        second = generate(api, NOV)
    for wl, amount in ((wl_a, "6.67"), (wl_b, "7.57")):
        remittance = get_remittance(api, remittance_of(second, wl["workerId"])["id"])
        assert (remittance["status"], remittance["amount"]) == ("PAID", amount)
        assert balance(api, wl["workerId"]) == {
            "workerId": wl["workerId"],
            "currency": "USD",
            "unremitted": "0.00",
            "pending": "0.00",
            "remitted": amount,
        }
        worklog = get_worklog(api, wl["id"])
        assert (worklog["remittanceStatus"], worklog["remittedAmount"]) == ("REMITTED", amount)
    assert len(simulated.payouts) == 4
    assert Counter(ProcessorEvent.objects.values_list("type", "outcome")) == {
        ("payout.failed", "applied"): 2,
        ("payout.paid", "applied"): 2,
    }


def test_each_remittance_ends_as_the_provider_decided(api, simulated, settings, django_capture_on_commit_callbacks):
    settings.PAYOUT_SIMULATED_FAILURE_RATE = "0.5"
    worklogs = [_worker_with_hours(api, 60) for _ in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        run = generate(api, OCT)
    for wl in worklogs:
        remittance_id = remittance_of(run, wl["workerId"])["id"]
        decided = simulated.outcome_for(PayoutSubmission.objects.get(remittance_id=remittance_id).idempotency_key)
        assert (
            get_remittance(api, remittance_id)["status"] == {"payout.paid": "PAID", "payout.failed": "FAILED"}[decided]
        )


def test_outcomes_follow_the_failure_rate_and_the_seed(simulated, settings):
    keys = [f"remittance-{n}" for n in range(2000)]
    settings.PAYOUT_SIMULATED_FAILURE_RATE = "0"
    assert {simulated.outcome_for(k) for k in keys} == {"payout.paid"}
    settings.PAYOUT_SIMULATED_FAILURE_RATE = "1"
    assert {simulated.outcome_for(k) for k in keys} == {"payout.failed"}
    settings.PAYOUT_SIMULATED_FAILURE_RATE = "0.25"
    outcomes = [simulated.outcome_for(k) for k in keys]
    assert 400 <= outcomes.count("payout.failed") <= 600
    assert outcomes == [simulated.outcome_for(k) for k in keys]  # deterministic
    settings.PAYOUT_SIMULATED_SEED = "another seed"
    assert outcomes != [simulated.outcome_for(k) for k in keys]


def test_simulated_provider_sends_a_real_signed_http_call_when_a_base_url_is_set(
    api, anon_client, simulated, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.PAYOUT_SIMULATED_WEBHOOK_BASE_URL = "http://payouts.example"
    sent = []

    class FakeResponse:
        status = 200

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake_urlopen(request, timeout):
        sent.append(request)
        return FakeResponse()

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    wl = _worker_with_hours(api, 60)
    with django_capture_on_commit_callbacks(execute=True):
        run = generate(api, OCT)
    remittance_id = remittance_of(run, wl["workerId"])["id"]
    assert get_remittance(api, remittance_id)["status"] == "PROCESSING"
    [request] = sent
    assert request.full_url == "http://payouts.example/api/payout-events/"
    assert json.loads(request.data)["remittanceId"] == remittance_id
    # Deliver what was sent, as the network would: the signature holds and the payout is paid.
    response = anon_client.generic(
        "POST",
        "/api/payout-events/",
        request.data,
        content_type="application/json",
        HTTP_X_PAYOUT_SIGNATURE=request.get_header("X-payout-signature"),
    )
    assert (response.status_code, response.json()["outcome"]) == (200, "applied")
    assert get_remittance(api, remittance_id)["status"] == "PAID"
