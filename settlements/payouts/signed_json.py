"""Our own signed-JSON event format (docs/API.md "Payout provider events"), spoken by the `manual`
and `simulated` adapters: the `X-Payout-Signature` HMAC (`signatures`) over a JSON body
`{"id", "type", "remittanceId"?, "providerReference"?, "occurredAt"?, "data"?}`. An adapter for a
real provider parses its own format in its own `parse_event`.
"""

from collections.abc import Mapping

from django.utils.dateparse import parse_datetime

from core.errors import InvalidInput
from core.ids import ID_PATTERN, MAX_ID
from core.strict_json import JSONRefused, strict_json_loads
from settlements.gateway import ProviderEvent
from settlements.payouts.signatures import SIGNATURE_HEADER, signature_verify

EVENT_PAID = "payout.paid"
EVENT_FAILED = "payout.failed"
EVENT_TYPES = (EVENT_PAID, EVENT_FAILED)


def signed_json_event(*, raw_body: bytes, headers: Mapping[str, str], now: float | None = None) -> ProviderEvent:
    """Verify the signature (401 before anything is read), then parse the body (400 when malformed)."""
    header = headers.get(SIGNATURE_HEADER)
    signature_verify(raw_body=raw_body, header=header, now=now)
    assert header is not None  # signature_verify refuses a missing header
    return _parse(raw_body, signature=header)


def _parse(raw_body: bytes, *, signature: str) -> ProviderEvent:
    try:
        raw_text = raw_body.decode("utf-8")
        body = strict_json_loads(raw_text)
    except (UnicodeDecodeError, JSONRefused) as exc:
        raise InvalidInput(f"The body must be a JSON object: {exc}") from None
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.")
    event_id, event_type = body.get("id"), body.get("type")
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 200:
        raise InvalidInput("A non-blank string of at most 200 characters is required.", field="id")
    if not isinstance(event_type, str) or not event_type.strip() or len(event_type) > 100:
        raise InvalidInput("A non-blank string of at most 100 characters is required.", field="type")
    remittance_id = body.get("remittanceId")
    if remittance_id is not None:
        if isinstance(remittance_id, str) and ID_PATTERN.fullmatch(remittance_id):
            remittance_id = int(remittance_id)
        if isinstance(remittance_id, bool) or not isinstance(remittance_id, int) or not 0 < remittance_id <= MAX_ID:
            raise InvalidInput("A positive integer is expected.", field="remittance_id")
    reference = body.get("providerReference") or ""
    if not isinstance(reference, str) or len(reference) > 200:
        raise InvalidInput("A string of at most 200 characters is expected.", field="provider_reference")
    if event_type in EVENT_TYPES and remittance_id is None and not reference:
        raise InvalidInput(f"{event_type} needs a remittanceId or a providerReference.", field="remittance_id")
    occurred_at = body.get("occurredAt")
    if occurred_at is not None:
        parsed = parse_datetime(occurred_at) if isinstance(occurred_at, str) else None
        if parsed is None or parsed.tzinfo is None:
            raise InvalidInput("An ISO-8601 timestamp with an offset is expected.", field="occurred_at")
        occurred_at = parsed
    data = body.get("data") or {}
    if not isinstance(data, dict):
        raise InvalidInput("An object is expected.", field="data")
    return ProviderEvent(
        event_id=event_id,
        type=event_type,
        remittance_id=remittance_id,
        provider_reference=reference.strip(),
        occurred_at=occurred_at,
        data=data,
        raw_text=raw_text,
        signature=signature,
    )
