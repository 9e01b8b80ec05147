"""Provider events change only what was given to the provider (issue 14), ordered by `occurredAt`
(API.md): a signed event for a never-submitted remittance is stored and changes nothing; an event
signed with any secret found in the repository is refused; a payout.failed after the payout.paid
returns the remittance, one before it changes nothing.
"""

import pytest

from ledger.models import JournalEntry
from settlements.models import ProcessorEvent, Remittance
from tests.settlements.provider_events import SECRET, deliver, event
from tests.support.api_helpers import balance, generate, get_remittance, get_worklog, remittance_of
from tests.support.secret_scan import secret_looking_literals

pytestmark = pytest.mark.django_db

OCT, NOV = "2024-10-31", "2024-11-30"
PAID_AT, BEFORE, AFTER = "2024-11-02T10:00:00+00:00", "2024-11-02T09:59:59+00:00", "2024-11-05T08:00:00+00:00"


def _money(api, remittance: dict) -> tuple:
    return (
        Remittance.objects.get(pk=remittance["id"]).status,
        JournalEntry.objects.count(),
        balance(api, remittance["workerId"]),
    )


@pytest.mark.parametrize("kind", ["payout.paid", "payout.failed"])
@pytest.mark.parametrize("reference", [None, "po_forged"], ids=["no-reference", "made-up-reference"])
def test_a_signed_event_for_a_never_submitted_remittance_is_stored_and_changes_nothing(
    anon_client, api, settings, pending, kind, reference
):
    settings.PAYOUT_WEBHOOK_SECRETS = [SECRET]  # a correctly signed event; the manual gateway
    before = _money(api, pending)
    extra = {"providerReference": reference} if reference else {}
    body = event(pending["id"], type=kind, data={"reason": "x"}, **extra)
    response = deliver(anon_client, body)
    assert response.status_code == 200
    assert (response.json()["outcome"], response.json()["remittanceStatus"]) == ("not_submitted", "PENDING")
    stored = ProcessorEvent.objects.get()
    assert (stored.event_id, stored.remittance_id, stored.outcome, stored.gateway) == (
        body["id"],
        pending["id"],
        "not_submitted",
        "manual",
    )
    assert _money(api, pending) == before
    # Nothing was released: the next run pays nobody again.
    assert remittance_of(generate(api, OCT), pending["workerId"]) is None


def test_an_event_forged_with_any_secret_of_the_repository_is_refused(anon_client, settings, submitted):
    settings.PAYOUT_WEBHOOK_SECRETS = ["generated-at-deploy-" + "q" * 40]
    literals = sorted(secret_looking_literals())
    assert SECRET in literals
    statuses = {
        deliver(
            anon_client,
            event(submitted["id"], type="payout.failed", id=f"evt_forged_{n}", providerReference=submitted["ref"]),
            secret=literal,
        ).status_code
        for n, literal in enumerate(literals)
    }
    assert statuses == {401}
    assert not ProcessorEvent.objects.exists()
    assert Remittance.objects.get(pk=submitted["id"]).status == "PROCESSING"


def _paid(anon_client, submitted):
    response = deliver(anon_client, event(submitted["id"], occurred=PAID_AT, providerReference=submitted["ref"]))
    assert response.json()["remittanceStatus"] == "PAID"


def test_failed_after_paid_returns_the_remittance_and_the_next_run_pays_it(anon_client, api, submitted):
    _paid(anon_client, submitted)
    assert balance(api, submitted["workerId"])["remitted"] == "10.00"
    body = event(
        submitted["id"],
        type="payout.failed",
        occurred=AFTER,
        providerReference=submitted["ref"],
        data={"reason": "R04 account closed"},
    )
    response = deliver(anon_client, body)
    assert (response.status_code, response.json()["outcome"]) == (200, "applied")
    remittance = get_remittance(api, submitted["id"])
    assert (remittance["status"], remittance["statusReason"]) == ("RETURNED", "R04 account closed")
    assert balance(api, submitted["workerId"]) == {
        "workerId": submitted["workerId"],
        "currency": "USD",
        "unremitted": "10.00",
        "pending": "0.00",
        "remitted": "0.00",
    }
    assert get_worklog(api, submitted["_worklog"]["id"])["remittedAmount"] == "0.00"
    assert remittance_of(generate(api, NOV), submitted["workerId"])["amount"] == "10.00"


@pytest.mark.parametrize("occurred", [BEFORE, PAID_AT, None], ids=["before", "same-instant", "no-occurredAt"])
def test_failed_not_after_paid_changes_nothing(anon_client, api, submitted, occurred):
    _paid(anon_client, submitted)
    entries = JournalEntry.objects.count()
    body = event(submitted["id"], type="payout.failed", occurred=occurred, providerReference=submitted["ref"])
    if occurred is None:
        del body["occurredAt"]
    late = deliver(anon_client, body)
    assert (late.status_code, late.json()["outcome"], late.json()["remittanceStatus"]) == (200, "ignored", "PAID")
    assert get_remittance(api, submitted["id"])["status"] == "PAID"
    assert JournalEntry.objects.count() == entries
    assert balance(api, submitted["workerId"])["remitted"] == "10.00"
    assert ProcessorEvent.objects.filter(outcome="ignored", type="payout.failed").count() == 1


def test_a_returned_remittance_stays_returned_on_a_replay_or_a_second_failure(anon_client, api, submitted):
    _paid(anon_client, submitted)
    body = event(submitted["id"], type="payout.failed", occurred=AFTER, providerReference=submitted["ref"])
    deliver(anon_client, body)
    entries = JournalEntry.objects.count()
    assert deliver(anon_client, body).json()["duplicate"] is True
    second = deliver(anon_client, {**body, "id": "evt_again"})
    assert (second.json()["outcome"], second.json()["remittanceStatus"]) == ("ignored", "RETURNED")
    assert JournalEntry.objects.count() == entries
