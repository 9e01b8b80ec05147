"""Submission that cannot pay twice: a random UUID key per submission, never reused; a provider that
times out after accepting, then the sweeper asks before calling again; a refused payout retried
under a new key; batches; an event that overtakes the recording of its submission's answer.
"""

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict
from settlements.models import PayoutSubmission, ProcessorEvent, Remittance
from settlements.payouts import outbox
from settlements.payouts.gateways.simulated import SimulatedGateway
from settlements.services.submissions import payout_submission_retry
from tests.settlements.provider_events import SECRET, deliver, event
from tests.support.api_helpers import balance, generate, get_remittance, new_worklog, record, remittance_of, ts

pytestmark = pytest.mark.django_db

OCT = "2024-10-31"


def _owed(api, minutes: int = 60) -> dict:
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03"), minutes)
    return wl


def _run(api, callbacks) -> dict:
    with callbacks(execute=True):
        return generate(api, OCT)


def test_the_key_is_a_random_uuid_unique_in_the_database(api, simulated, django_capture_on_commit_callbacks):
    workers = [_owed(api) for _ in range(3)]
    _run(api, django_capture_on_commit_callbacks)
    keys = list(PayoutSubmission.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == len(workers) == len(set(keys))
    assert all(uuid.UUID(key).version == 4 for key in keys)
    assert sorted(simulated.payouts) == sorted(keys)
    first = PayoutSubmission.objects.order_by("pk").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutSubmission.objects.create(remittance_id=first.remittance_id, gateway="other", idempotency_key=keys[1])


def test_timeout_after_accepting_then_the_sweeper_pays_exactly_once(
    api, simulated, settings, django_capture_on_commit_callbacks
):
    settings.PAYOUT_SUBMISSION_RETRY_SECONDS = 0
    wl = _owed(api)
    simulated.faults.append("timeout_after_accept")
    run = _run(api, django_capture_on_commit_callbacks)
    remittance_id = remittance_of(run, wl["workerId"])["id"]
    submission = PayoutSubmission.objects.get(remittance_id=remittance_id)
    key = submission.idempotency_key
    # The provider has the payout; we only know our call timed out.
    assert (submission.status, submission.attempts) == ("PENDING", 1)
    assert "SimulatedTimeout" in submission.last_error
    assert simulated.payouts_per_key() == {key: 1}
    assert Remittance.objects.get(pk=remittance_id).status == "PENDING"
    response = api.post(f"/api/remittances/{remittance_id}/cancel/", {"reason": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "payout_in_doubt")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("submit_payouts", stdout=io.StringIO())
        call_command("submit_payouts", stdout=io.StringIO())  # a second sweep finds nothing due
    submission.refresh_from_db()
    assert (submission.status, submission.attempts) == ("SUBMITTED", 2)
    assert simulated.lookups == [key]  # asked first...
    assert simulated.submit_calls == [key]  # ...so never called again
    assert simulated.payouts_per_key() == {key: 1}  # exactly one payout at the provider
    assert get_remittance(api, remittance_id)["status"] == "PAID"
    assert balance(api, wl["workerId"])["remitted"] == "10.00"


def test_a_restarted_submission_asks_lookup_first_and_submits_when_the_provider_has_nothing(
    api, simulated, settings, django_capture_on_commit_callbacks
):
    settings.PAYOUT_SUBMISSION_RETRY_SECONDS = 0
    wl = _owed(api)
    simulated.faults.append("timeout")  # never reached the provider
    run = _run(api, django_capture_on_commit_callbacks)
    remittance_id = remittance_of(run, wl["workerId"])["id"]
    key = PayoutSubmission.objects.get(remittance_id=remittance_id).idempotency_key
    assert simulated.payouts == {}
    with django_capture_on_commit_callbacks(execute=True):
        outbox.payouts_sweep()
    assert simulated.lookups == [key]
    assert simulated.submit_calls == [key, key]  # the first call, and the one after lookup said "none"
    assert simulated.payouts_per_key() == {key: 1}
    assert get_remittance(api, remittance_id)["status"] == "PAID"


def test_a_process_that_died_during_the_call_is_taken_over_after_its_lease(
    api, simulated, django_capture_on_commit_callbacks
):
    wl = _owed(api)
    run = generate(api, OCT)  # its after-commit task is lost with the process
    remittance_id = remittance_of(run, wl["workerId"])["id"]
    submission = PayoutSubmission.objects.get(remittance_id=remittance_id)
    claim = outbox._claim(submission.pk, gateway=simulated())
    assert claim is not None
    simulated().submit(idempotency_key=submission.idempotency_key, remittance=claim.remittance)  # then it died
    submission.refresh_from_db()
    assert (submission.status, submission.attempts) == ("SUBMITTING", 1)
    assert outbox.payouts_sweep() == []  # a live lease is left alone
    PayoutSubmission.objects.filter(pk=submission.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        outbox.payouts_sweep()
    submission.refresh_from_db()
    assert (submission.status, submission.attempts) == ("SUBMITTED", 2)
    assert simulated.lookups == [submission.idempotency_key]
    assert simulated.payouts_per_key() == {submission.idempotency_key: 1}
    outbox._record(claim, "too late")  # the dead process's answer, if it ever came, is refused
    submission.refresh_from_db()
    assert submission.provider_reference == simulated.reference_for(submission.idempotency_key)


def test_a_refused_payout_is_retried_under_a_new_key(api, simulated, finance_user, django_capture_on_commit_callbacks):
    wl = _owed(api)
    simulated.faults.append("reject")
    run = _run(api, django_capture_on_commit_callbacks)
    remittance_id = remittance_of(run, wl["workerId"])["id"]
    refused = PayoutSubmission.objects.get(remittance_id=remittance_id)
    assert (refused.status, refused.attempts) == ("REJECTED", 1)
    assert "account closed" in refused.last_error
    assert Remittance.objects.get(pk=remittance_id).status == "PENDING"
    assert simulated.payouts == {}

    with django_capture_on_commit_callbacks(execute=True):
        again = payout_submission_retry(submission=refused, actor=finance_user)
        outbox.payouts_submit(submission_ids=[again.pk])
    again.refresh_from_db()
    assert again.pk != refused.pk and again.remittance_id == refused.remittance_id
    assert again.idempotency_key != refused.idempotency_key
    assert uuid.UUID(again.idempotency_key).version == 4
    assert again.status == "SUBMITTED"
    assert simulated.payouts_per_key() == {again.idempotency_key: 1}
    assert get_remittance(api, remittance_id)["status"] == "PAID"
    # The remittance is paid: retrying the refused submission again is a conflict.
    with pytest.raises(Conflict, match="The remittance is PAID"):
        payout_submission_retry(submission=refused, actor=finance_user)


def test_many_payouts_go_in_one_batch_call(api, simulated, django_capture_on_commit_callbacks):
    workers = [_owed(api) for _ in range(4)]
    run = _run(api, django_capture_on_commit_callbacks)
    keys = set(PayoutSubmission.objects.values_list("idempotency_key", flat=True))
    assert [set(batch) for batch in simulated.batches] == [keys]
    for wl in workers:
        assert get_remittance(api, remittance_of(run, wl["workerId"])["id"])["status"] == "PAID"


def test_an_event_that_overtakes_the_recording_is_applied_when_the_answer_is_recorded(
    api, anon_client, simulated, settings, django_capture_on_commit_callbacks
):
    settings.PAYOUT_WEBHOOK_SECRETS = [SECRET]
    settings.PAYOUT_SUBMISSION_RETRY_SECONDS = 0
    wl = _owed(api)
    simulated.faults.append("timeout_after_accept")
    run = generate(api, OCT)
    remittance_id = remittance_of(run, wl["workerId"])["id"]
    outbox.payouts_sweep()  # accepted, answer lost; the provider's own report waits for a commit
    key = PayoutSubmission.objects.get(remittance_id=remittance_id).idempotency_key
    reference = SimulatedGateway.reference_for(key)
    early = deliver(anon_client, event(remittance_id, id="evt_early", providerReference=reference))
    assert (early.status_code, early.json()["outcome"]) == (200, "awaiting_submission")
    assert Remittance.objects.get(pk=remittance_id).status == "PENDING"

    outbox.payouts_sweep()  # lookup finds the payout: recorded, and the stored event applied
    assert get_remittance(api, remittance_id)["status"] == "PAID"
    assert balance(api, wl["workerId"])["remitted"] == "10.00"
    assert ProcessorEvent.objects.get(event_id="evt_early").outcome == "awaiting_submission"  # kept as received
