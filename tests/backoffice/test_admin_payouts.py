"""The payout outbox in the admin: a submission in doubt after N attempts shows with its reason,
in the list filter and the in-doubt figure; "retry now" asks the provider first and sends it."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from settlements import services as settlement_services
from settlements.models import PayoutSubmission, Remittance
from settlements.payouts import outbox
from settlements.payouts.gateways.simulated import SimulatedGateway
from settlements.selectors.operations import payout_submissions_in_doubt
from tests.backoffice.admin_helpers import PERIOD_END, changelist_action, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(settings):
    settings.PAYOUT_GATEWAY = "simulated"
    settings.SETTLEMENT_APPROVAL_REQUIRED = False
    settings.PAYOUT_SIMULATED_FAILURE_RATE = "0"
    settings.PAYOUT_WEBHOOK_SECRETS = ["whsec_test"]
    settings.PAYOUT_SUBMISSION_MAX_ATTEMPTS = 3
    settings.PAYOUT_SUBMISSION_RETRY_SECONDS = 0
    SimulatedGateway.reset()
    yield SimulatedGateway
    SimulatedGateway.reset()


def test_in_doubt_after_n_attempts_then_retried_from_the_admin(
    finance, worklog, provider, django_capture_on_commit_callbacks
):
    settlement_services.settlement_generate(period_end=PERIOD_END)
    submission = PayoutSubmission.objects.get()
    provider.faults.extend(["timeout"] * 3)
    for attempt in range(1, 4):
        outbox.payouts_sweep()
        submission.refresh_from_db()
        assert submission.attempts == attempt
        assert submission.status == ("IN_DOUBT" if attempt == 3 else "PENDING")
    assert submission.in_doubt_reason.startswith("No known answer after 3 attempts (last: SimulatedTimeout")
    assert submission.next_attempt_at is None
    assert outbox.payouts_sweep() == []  # the sweeper leaves it to finance
    assert list(payout_submissions_in_doubt()) == [submission]
    assert provider.lookups == [submission.idempotency_key] * 2  # asked before each repeated call

    url = reverse("admin:settlements_payoutsubmission_changelist")
    listed = finance.get(url, {"unknown": "yes"})
    assert listed.status_code == 200
    assert submission.in_doubt_reason in listed.content.decode()
    assert "IN_DOUBT" in finance.get(url, {"status__exact": "IN_DOUBT"}).content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the request's commit, in the test's transaction
        response = changelist_action(finance, "settlements_payoutsubmission", "retry_now", [submission.pk])
    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.status, submission.attempts, submission.in_doubt_reason) == ("SUBMITTED", 4, "")
    assert provider.payouts_per_key() == {submission.idempotency_key: 1}
    assert provider.lookups == [submission.idempotency_key] * 3
    assert Remittance.objects.get().status in ("PROCESSING", "PAID")
    assert any(m.startswith(f"Submission {submission.pk} of remittance ") for m in messages_of(response))
    assert list(payout_submissions_in_doubt()) == []
    retried = AuditEvent.objects.get(action="remittance.payout_retried")
    assert retried.changes["submissionStatus"] == ["IN_DOUBT", "PENDING"]


def test_retry_now_refuses_a_submitted_payout(finance, worklog, provider):
    settlement_services.settlement_generate(period_end=PERIOD_END)
    outbox.payouts_sweep()
    submission = PayoutSubmission.objects.get(status="SUBMITTED")
    response = changelist_action(finance, "settlements_payoutsubmission", "retry_now", [submission.pk])
    assert response.status_code == 302
    assert messages_of(response) == [f"Submission {submission.pk}: A SUBMITTED submission cannot be retried."]
    assert provider.submit_calls == [submission.idempotency_key]
