"""The payout outbox and the simulated provider: crash recovery, one payout per key, end to end."""

import io
import json
import urllib.request
from collections import Counter

import pytest
from django.core.management import call_command

from settlements.models import PayoutSubmission, ProcessorEvent, Remittance
from settlements.payouts import outbox as payouts
from settlements.payouts.gateways.simulated import SimulatedGateway
from tests.support.api_helpers import (
    balance,
    cancel,
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


@pytest.fixture
def simulated(settings):
    settings.PAYOUT_GATEWAY = "simulated"
    settings.PAYOUT_WEBHOOK_SECRETS = ["whsec_test"]
    settings.PAYOUT_SIMULATED_FAILURE_RATE = "0"
    settings.PAYOUT_SIMULATED_WEBHOOK_BASE_URL = ""
    SimulatedGateway.reset()
    yield SimulatedGateway
    SimulatedGateway.reset()


def _worker_with_hours(api, minutes: int, rate: str = "10.00") -> dict:
    wl = new_worklog(api, rate=rate)
    record(api, wl["id"], ts("2024-10-03"), minutes)
    return wl


def test_manual_gateway_submits_nothing(api, django_capture_on_commit_callbacks):
    wl = _worker_with_hours(api, 60)
    with django_capture_on_commit_callbacks(execute=True):
        run = generate(api, OCT)
    assert remittance_of(run, wl["workerId"])["status"] == "PENDING"
    assert get_remittance(api, remittance_of(run, wl["workerId"])["id"])["status"] == "PENDING"
    assert not PayoutSubmission.objects.exists()


def test_outbox_row_is_written_with_the_remittance_and_submitted_after_commit(
    api, simulated, django_capture_on_commit_callbacks
):
    wl = _worker_with_hours(api, 90)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = generate(api, OCT)
    remittance = remittance_of(run, wl["workerId"])
    submission = PayoutSubmission.objects.get(remittance_id=remittance["id"])
    # Before the commit's callbacks run, nothing has left the building.
    assert (submission.status, submission.attempts, submission.idempotency_key) == (
        "PENDING",
        0,
        f"remittance-{remittance['id']}",
    )
    assert simulated.payouts == {}
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    submission.refresh_from_db()
    assert (submission.status, submission.attempts) == ("SUBMITTED", 1)
    assert submission.provider_reference == simulated.reference_for(submission.idempotency_key)
    paid = get_remittance(api, remittance["id"])
    assert (paid["status"], paid["providerReference"], paid["amount"]) == (
        "PAID",
        submission.provider_reference,
        "15.00",
    )


def test_crash_between_commit_and_provider_call_is_recovered_with_one_payout(
    api, simulated, django_capture_on_commit_callbacks
):
    wl = _worker_with_hours(api, 60)
    # The process "dies" right after the commit: the after-commit submission never runs.
    run = generate(api, OCT)
    remittance_id = remittance_of(run, wl["workerId"])["id"]
    assert Remittance.objects.get(pk=remittance_id).status == "PENDING"
    assert PayoutSubmission.objects.get(remittance_id=remittance_id).status == "PENDING"
    assert simulated.payouts == {}

    with django_capture_on_commit_callbacks(execute=True):
        call_command("submit_payouts", stdout=io.StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        out = io.StringIO()
        call_command("submit_payouts", stdout=out)  # a second retry: nothing left to submit
    assert out.getvalue().startswith("submit_payouts: 0 tried")

    assert len(simulated.payouts) == 1
    submission = PayoutSubmission.objects.get(remittance_id=remittance_id)
    assert (submission.status, submission.attempts) == ("SUBMITTED", 1)
    assert get_remittance(api, remittance_id)["status"] == "PAID"
    assert ProcessorEvent.objects.filter(remittance_id=remittance_id, outcome="applied").count() == 1
    assert balance(api, wl["workerId"])["remitted"] == "10.00"
    assert get_worklog(api, wl["id"])["remittedAmount"] == "10.00"


def test_crash_after_the_provider_accepted_retries_with_the_same_key_and_pays_once(
    api, simulated, monkeypatch, django_capture_on_commit_callbacks
):
    wl = _worker_with_hours(api, 60)
    real = payouts.remittance_mark_processing
    crashes = []

    def crash_once(**kwargs):
        if not crashes:
            crashes.append(1)
            raise RuntimeError("connection lost before our commit")
        return real(**kwargs)

    monkeypatch.setattr(payouts, "remittance_mark_processing", crash_once)
    with django_capture_on_commit_callbacks(execute=True):
        run = generate(api, OCT)
    remittance_id = remittance_of(run, wl["workerId"])["id"]
    submission = PayoutSubmission.objects.get(remittance_id=remittance_id)
    # The provider has the payout, we do not know it: the submission stays PENDING, in doubt.
    assert (submission.status, submission.attempts) == ("PENDING", 1)
    assert "connection lost" in submission.last_error
    assert len(simulated.payouts) == 1
    assert Remittance.objects.get(pk=remittance_id).status == "PENDING"

    with django_capture_on_commit_callbacks(execute=True):
        payouts.payouts_submit_pending()
    submission.refresh_from_db()
    assert (submission.status, submission.attempts, submission.last_error) == ("SUBMITTED", 2, "")
    assert len(simulated.payouts) == 1  # deduplicated by the idempotency key
    assert submission.provider_reference == simulated.payouts[submission.idempotency_key].reference
    assert get_remittance(api, remittance_id)["status"] == "PAID"
    assert balance(api, wl["workerId"])["remitted"] == "10.00"


def test_a_payout_in_doubt_cannot_be_cancelled_until_resubmitted(
    api, simulated, monkeypatch, django_capture_on_commit_callbacks
):
    wl = _worker_with_hours(api, 60)

    def crash(**kwargs):
        raise RuntimeError("connection lost before our commit")

    monkeypatch.setattr(payouts, "remittance_mark_processing", crash)
    with django_capture_on_commit_callbacks(execute=True):
        run = generate(api, OCT)
    remittance_id = remittance_of(run, wl["workerId"])["id"]
    response = api.post(f"/api/remittances/{remittance_id}/cancel/", {"reason": "wrong bank"}, format="json")
    # The provider may be paying it: cancelling now could pay a released item twice.
    assert response.status_code == 409
    assert response.json()["code"] == "payout_in_doubt"
    assert Remittance.objects.get(pk=remittance_id).status == "PENDING"
    assert balance(api, wl["workerId"]) == {
        "workerId": wl["workerId"],
        "currency": "USD",
        "unremitted": "0.00",
        "pending": "10.00",
        "remitted": "0.00",
    }


def test_simulated_provider_returns_the_same_reference_for_the_same_key(simulated):
    gateway = simulated()
    remittance = Remittance(pk=41, amount="1.00", currency="USD")
    first = gateway.submit(idempotency_key="remittance-41", remittance=remittance)
    second = gateway.submit(idempotency_key="remittance-41", remittance=remittance)
    other = gateway.submit(idempotency_key="remittance-42", remittance=Remittance(pk=42, amount="1.00", currency="USD"))
    assert first == second != other
    assert len(simulated.payouts) == 2


def test_cancelled_before_submission_is_never_submitted(api, simulated, django_capture_on_commit_callbacks):
    wl = _worker_with_hours(api, 60)
    run = generate(api, OCT)  # after-commit submission lost
    remittance_id = remittance_of(run, wl["workerId"])["id"]
    cancel(api, remittance_id)
    with django_capture_on_commit_callbacks(execute=True):
        payouts.payouts_submit_pending()
    assert PayoutSubmission.objects.get(remittance_id=remittance_id).status == "SKIPPED"
    assert simulated.payouts == {}
    assert get_remittance(api, remittance_id)["status"] == "CANCELLED"


def test_processing_remittance_cannot_be_cancelled(api, simulated, settings, django_capture_on_commit_callbacks):
    # The database task backend keeps the provider's report queued: the remittance stays PROCESSING.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    wl = _worker_with_hours(api, 60)
    with django_capture_on_commit_callbacks(execute=True):
        run = generate(api, OCT)
    remittance_id = remittance_of(run, wl["workerId"])["id"]
    assert get_remittance(api, remittance_id)["status"] == "PROCESSING"
    response = api.post(f"/api/remittances/{remittance_id}/cancel/", {"reason": "too late"}, format="json")
    assert response.status_code == 409
    assert balance(api, wl["workerId"])["pending"] == "10.00"


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
        decided = simulated.outcome_for(f"remittance-{remittance_id}")
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
