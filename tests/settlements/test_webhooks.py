"""`POST /api/payout-events/`: HMAC signature, raw storage, replays, out-of-order and unknown events."""

import json
import time

import pytest

from ledger.models import JournalEntry
from settlements.models import ProcessorEvent, Remittance
from settlements.payouts.signatures import sign
from tests.settlements.provider_events import SECRET, deliver, event
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


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.PAYOUT_WEBHOOK_SECRETS = [SECRET]


def _writes():
    return (ProcessorEvent.objects.count(), JournalEntry.objects.count(), list(Remittance.objects.values("status")))


def test_signed_paid_event_pays_the_submitted_remittance_without_a_user_token(anon_client, api, submitted):
    body = event(submitted["id"], providerReference=submitted["ref"])
    response = deliver(anon_client, body)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "eventId": body["id"],
        "outcome": "applied",
        "detail": f"Remittance {submitted['id']}: PROCESSING -> PAID.",
        "duplicate": False,
        "remittanceId": submitted["id"],
        "remittanceStatus": "PAID",
    }
    remittance = get_remittance(api, submitted["id"])
    assert (remittance["status"], remittance["providerReference"]) == ("PAID", submitted["ref"])
    assert balance(api, submitted["workerId"])["remitted"] == "10.00"
    stored = ProcessorEvent.objects.get()
    assert stored.raw_body == json.dumps(body)
    assert (stored.event_id, stored.type, stored.remittance_id) == (body["id"], "payout.paid", submitted["id"])
    assert (stored.gateway, stored.provider_reference) == ("simulated", submitted["ref"])
    assert stored.signature_header.startswith("t=")


def test_failed_event_takes_its_reason_from_data_and_releases_the_items(anon_client, api, submitted):
    body = event(submitted["id"], type="payout.failed", providerReference=submitted["ref"], data={"reason": "Closed"})
    assert deliver(anon_client, body).status_code == 200
    remittance = get_remittance(api, submitted["id"])
    assert (remittance["status"], remittance["statusReason"]) == ("FAILED", "Closed")
    again = remittance_of(generate(api, OCT), submitted["workerId"])
    assert again["amount"] == "10.00"


def test_failed_event_without_a_reason_gets_one_naming_the_event(anon_client, api, submitted):
    body = event(submitted["id"], type="payout.failed", id="evt_9", providerReference=submitted["ref"])
    assert deliver(anon_client, body).status_code == 200
    assert "evt_9" in get_remittance(api, submitted["id"])["statusReason"]


def test_wrong_secret_is_401_and_writes_nothing(anon_client, pending):
    before = _writes()
    response = deliver(anon_client, event(pending["id"]), secret="whsec_guess")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert _writes() == before


# 305, not 301: the timestamp is truncated to whole seconds and a loaded machine takes time to answer.
@pytest.mark.parametrize(("skew", "expected"), [(-305, 401), (305, 401), (-290, 200), (290, 200)])
def test_timestamp_more_than_300_seconds_away_is_refused(anon_client, submitted, skew, expected):
    before = _writes()
    body = event(submitted["id"], providerReference=submitted["ref"])
    response = deliver(anon_client, body, timestamp=int(time.time()) + skew)
    assert response.status_code == expected, response.content
    if expected == 401:
        assert _writes() == before
    else:
        assert Remittance.objects.get(pk=submitted["id"]).status == "PAID"


def test_tampered_body_is_401_and_writes_nothing(anon_client, pending):
    signed = json.dumps(event(pending["id"], type="payout.failed", data={"reason": "x"})).encode()
    tampered = signed.replace(b"payout.failed", b"payout.paid")
    header = sign(raw_body=signed, secret=SECRET)
    before = _writes()
    assert deliver(anon_client, None, raw=tampered, header=header).status_code == 401
    assert _writes() == before


def test_every_listed_secret_is_accepted_during_a_rotation(anon_client, settings, api):
    settings.PAYOUT_WEBHOOK_SECRETS = ["whsec_new", "whsec_old"]
    wl_a, wl_b = new_worklog(api), new_worklog(api)
    for wl in (wl_a, wl_b):
        record(api, wl["id"], ts("2024-10-03"), 60)
    run = generate(api, OCT)
    first, second = (remittance_of(run, wl["workerId"])["id"] for wl in (wl_a, wl_b))
    assert deliver(anon_client, event(first), secret="whsec_old").status_code == 200
    assert deliver(anon_client, event(second), secret="whsec_new").status_code == 200
    settings.PAYOUT_WEBHOOK_SECRETS = ["whsec_new"]
    before = _writes()
    assert deliver(anon_client, event(first, id="evt_late"), secret="whsec_old").status_code == 401
    assert _writes() == before


@pytest.mark.parametrize(
    "header",
    ["", "v1=abc", "t=notanumber,v1=abc", "t=1700000000", "garbage"],
    ids=["missing", "no-t", "bad-t", "no-v1", "garbage"],
)
def test_missing_or_malformed_signature_is_401(anon_client, pending, header):
    before = _writes()
    response = deliver(anon_client, event(pending["id"]), header=header or "")
    assert response.status_code == 401
    assert _writes() == before


def test_no_configured_secret_refuses_every_call(anon_client, settings, pending):
    settings.PAYOUT_WEBHOOK_SECRETS = []
    assert deliver(anon_client, event(pending["id"])).status_code == 401
    assert Remittance.objects.get(pk=pending["id"]).status == "PENDING"


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2]",
        json.dumps({"type": "payout.paid", "remittanceId": 1}).encode(),
        json.dumps({"id": "evt_1", "type": "payout.paid"}).encode(),
        json.dumps({"id": "evt_1", "type": "payout.paid", "remittanceId": "abc"}).encode(),
        json.dumps({"id": "evt_1", "type": "payout.paid", "remittanceId": 1, "occurredAt": "yesterday"}).encode(),
        json.dumps({"id": "evt_1", "type": "payout.failed", "remittanceId": 1, "data": "oops"}).encode(),
    ],
    ids=["not-json", "not-object", "no-id", "no-target", "bad-id", "bad-time", "bad-data"],
)
def test_malformed_body_with_a_valid_signature_is_400_and_writes_nothing(anon_client, pending, raw):
    before = _writes()
    response = deliver(anon_client, None, raw=raw)
    assert response.status_code == 400, response.content
    assert _writes() == before


def test_replayed_event_answers_200_and_changes_nothing(anon_client, api, submitted):
    body = event(submitted["id"], providerReference=submitted["ref"])
    assert deliver(anon_client, body).json()["duplicate"] is False
    after_first = _writes()
    replay = deliver(anon_client, body)
    assert replay.status_code == 200
    assert replay.json()["duplicate"] is True
    assert replay.json()["outcome"] == "applied"
    assert _writes() == after_first
    worklog = get_worklog(api, submitted["_worklog"]["id"])
    assert (worklog["remittedAmount"], worklog["unremittedAmount"]) == ("10.00", "0.00")


def test_paid_after_failed_never_moves_the_remittance_back(anon_client, api, submitted):
    ref = submitted["ref"]
    deliver(anon_client, event(submitted["id"], type="payout.failed", providerReference=ref, data={"reason": "x"}))
    late = deliver(anon_client, event(submitted["id"], providerReference=ref))
    assert (late.status_code, late.json()["outcome"]) == (200, "ignored")
    assert get_remittance(api, submitted["id"])["status"] == "FAILED"
    assert balance(api, submitted["workerId"]) == {
        "workerId": submitted["workerId"],
        "currency": "USD",
        "unremitted": "10.00",
        "pending": "0.00",
        "remitted": "0.00",
    }


@pytest.mark.parametrize("target", [{"remittanceId": 987654}, {"providerReference": "po_nobody"}])
def test_event_for_an_unknown_remittance_is_stored_and_answered_clearly(anon_client, pending, target):
    body = {**event(None, id="evt_unknown"), **target}
    response = deliver(anon_client, body)
    assert response.status_code == 200
    assert response.json()["outcome"] == "unknown_remittance"
    assert response.json()["remittanceId"] is None
    stored = ProcessorEvent.objects.get(event_id="evt_unknown")
    assert (stored.remittance_id, stored.outcome) == (None, "unknown_remittance")
    assert Remittance.objects.get(pk=pending["id"]).status == "PENDING"


def test_provider_reference_alone_finds_the_submitted_remittance(anon_client, api, submitted):
    response = deliver(anon_client, event(None, id="evt_ref", providerReference=submitted["ref"]))
    assert response.json()["outcome"] == "applied"
    remittance = get_remittance(api, submitted["id"])
    assert (remittance["status"], remittance["providerReference"]) == ("PAID", submitted["ref"])


@pytest.mark.parametrize("reference", ["po_other", None], ids=["another-reference", "no-reference"])
def test_an_event_without_the_submissions_reference_changes_nothing(anon_client, submitted, reference):
    body = event(submitted["id"], **({"providerReference": reference} if reference else {}))
    response = deliver(anon_client, body)
    assert (response.status_code, response.json()["outcome"]) == (200, "not_submitted")
    assert Remittance.objects.get(pk=submitted["id"]).status == "PROCESSING"
    assert ProcessorEvent.objects.get().outcome == "not_submitted"


def test_unsupported_event_type_is_stored_and_ignored(anon_client, pending):
    response = deliver(anon_client, event(pending["id"], type="payout.created"))
    assert (response.status_code, response.json()["outcome"]) == (200, "ignored")
    assert Remittance.objects.get(pk=pending["id"]).status == "PENDING"
    assert ProcessorEvent.objects.filter(type="payout.created").count() == 1


def test_manual_mark_paid_still_works_from_processing(api, submitted):
    assert api.post(f"/api/remittances/{submitted['id']}/cancel/", {"reason": "x"}, format="json").status_code == 409
    response = api.post(f"/api/remittances/{submitted['id']}/mark-paid/", {}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "PAID")
