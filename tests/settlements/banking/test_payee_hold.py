"""Until a second user confirms a worker's bank details, gateways that pay into bank accounts hold
its payouts; the `manual` and `simulated` gateways pay no account and hold nothing."""

import pytest

from settlements.models import PayoutSubmission
from settlements.payouts import outbox
from settlements.payouts.gateways.simulated import SimulatedGateway
from tests.settlements.banking.helpers import confirm, destination
from tests.support.api_helpers import generate, get_remittance, new_worklog, record, remittance_of, ts
from tests.support.factories import FinanceUserFactory

pytestmark = pytest.mark.django_db


class BankAccountGateway(SimulatedGateway):
    """The simulated provider, as a real one would be: it pays into the worker's bank account."""

    name = "bank_provider"
    needs_bank_details = True


@pytest.fixture
def provider(simulated, settings):
    settings.PAYOUT_GATEWAY = f"{__name__}.BankAccountGateway"
    return simulated


def test_a_payee_change_is_held_until_a_second_user_confirms(
    api, make_client, provider, django_capture_on_commit_callbacks
):
    wl = new_worklog(api, rate="10.00", currency="EUR")
    record(api, wl["id"], ts("2024-10-03"), 60)
    destination(api, wl["workerId"])
    with django_capture_on_commit_callbacks(execute=True):
        run = generate(api, "2024-10-31")
    remittance = remittance_of(run, wl["workerId"])
    submission = PayoutSubmission.objects.get(remittance_id=remittance["id"])
    assert (submission.status, submission.attempts) == ("PENDING", 0)
    assert provider.payouts == {}
    # The recovery sweep holds it too, and so does a direct submission (which says why).
    outbox.payouts_submit_pending()
    assert provider.payouts == {}
    submission = outbox.payout_submit(submission=submission)
    assert (submission.status, submission.attempts, provider.payouts) == ("PENDING", 0, {})
    assert "awaits confirmation by a second finance user" in submission.last_error

    # The user who entered the details cannot release it; a second finance user can.
    assert confirm(api, wl["workerId"]).status_code == 403
    assert provider.payouts == {}
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm(make_client(FinanceUserFactory()), wl["workerId"]).status_code == 200
    submission.refresh_from_db()
    assert (submission.status, submission.attempts) == ("SUBMITTED", 1)
    assert list(provider.payouts) == [submission.idempotency_key]
    assert get_remittance(api, remittance["id"])["status"] in {"PROCESSING", "PAID"}


def test_a_worker_without_bank_details_is_held_by_such_a_gateway(api, provider, django_capture_on_commit_callbacks):
    wl = new_worklog(api, rate="10.00", currency="EUR")
    record(api, wl["id"], ts("2024-10-03"), 60)
    with django_capture_on_commit_callbacks(execute=True):
        run = generate(api, "2024-10-31")
    submission = PayoutSubmission.objects.get(remittance_id=remittance_of(run, wl["workerId"])["id"])
    assert (submission.status, submission.attempts) == ("PENDING", 0)
    assert "no payout destination" in outbox.payout_submit(submission=submission).last_error
    assert provider.payouts == {}


def test_the_simulated_gateway_pays_no_account_and_holds_nothing(api, simulated, django_capture_on_commit_callbacks):
    wl = new_worklog(api, rate="10.00", currency="EUR")
    record(api, wl["id"], ts("2024-10-03"), 60)
    destination(api, wl["workerId"])  # entered, never confirmed
    with django_capture_on_commit_callbacks(execute=True):
        run = generate(api, "2024-10-31")
    submission = PayoutSubmission.objects.get(remittance_id=remittance_of(run, wl["workerId"])["id"])
    assert submission.status == "SUBMITTED"
