"""Signed provider events for the webhook's tests: a body, and its delivery to `POST /api/payout-events/`."""

import json

from settlements.payouts.signatures import sign

URL = "/api/payout-events/"
SECRET = "whsec_current"


def event(remittance_id=None, *, type="payout.paid", id=None, occurred="2024-11-02T10:00:00+00:00", **extra) -> dict:
    body = {"id": id or f"evt_{type}_{remittance_id}", "type": type, "occurredAt": occurred}
    if remittance_id is not None:
        body["remittanceId"] = remittance_id
    return {**body, **extra}


def deliver(client, body, *, secret=SECRET, timestamp=None, raw: bytes | None = None, header: str | None = None):
    raw = raw if raw is not None else json.dumps(body).encode()
    if header is None:
        header = sign(raw_body=raw, secret=secret, timestamp=timestamp)
    extra = {"HTTP_X_PAYOUT_SIGNATURE": header} if header else {}
    return client.generic("POST", URL, raw, content_type="application/json", **extra)
