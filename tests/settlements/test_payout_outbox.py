"""The payout outbox: a row written with the remittance, submitted after commit, recovered after a crash on
either side of the provider call with one payout per key; a payout in doubt cannot be cancelled.
"""

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from settlements.models import PayoutSubmission, ProcessorEvent, Remittance
from settlements.payouts import outbox as payouts
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

OCT = "2024-10-31"


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
    assert (submission.status, submission.attempts) == ("PENDING", 0)
    assert uuid.UUID(submission.idempotency_key).version == 4  # random, never derived from our ids
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
    # The provider has the payout, we do not know it: the claim stays until its lease expires.
    assert (submission.status, submission.attempts) == ("SUBMITTING", 1)
    assert len(simulated.payouts) == 1
    assert Remittance.objects.get(pk=remittance_id).status == "PENDING"
    with django_capture_on_commit_callbacks(execute=True):
        assert payouts.payouts_submit_pending() == []  # a live claim is left alone
    # It died: its lease ran out a second ago (SQLite's clock reads milliseconds, the column microseconds).
    PayoutSubmission.objects.filter(pk=submission.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        payouts.payouts_submit_pending()
    submission.refresh_from_db()
    assert (submission.status, submission.attempts, submission.last_error) == ("SUBMITTED", 2, "")
    assert simulated.lookups == [submission.idempotency_key]  # asked before calling again
    assert simulated.submit_calls == [submission.idempotency_key]  # and not called again: it had it
    assert simulated.payouts_per_key() == {submission.idempotency_key: 1}
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
    assert get_remittance(api, remittance_id)["status"] == "PENDING"  # its payout task is queued too
    with django_capture_on_commit_callbacks(execute=True):
        payouts.payouts_sweep()  # what db_worker does with it
    assert get_remittance(api, remittance_id)["status"] == "PROCESSING"
    response = api.post(f"/api/remittances/{remittance_id}/cancel/", {"reason": "too late"}, format="json")
    assert response.status_code == 409
    assert balance(api, wl["workerId"])["pending"] == "10.00"
