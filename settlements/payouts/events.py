"""The payout provider's signed events: verified, stored raw under their unique id, and applied
through the same services as finance's manual actions (`remittance_mark_paid`,
`remittance_mark_failed`). A replay, an event that would move a remittance backwards and an event
for an unknown remittance are stored and answered with an outcome that says so; nothing of theirs
changes money.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime

from core.errors import Conflict, InvalidInput
from core.ids import ID_PATTERN, MAX_ID
from core.strict_json import JSONRefused, strict_json_loads
from settlements.models import ProcessorEvent, Remittance
from settlements.payouts.signatures import signature_verify
from settlements.services.remittances import remittance_mark_failed, remittance_mark_paid

logger = logging.getLogger(__name__)

EVENT_PAID = "payout.paid"
EVENT_FAILED = "payout.failed"
EVENT_TYPES = (EVENT_PAID, EVENT_FAILED)


@dataclass
class EventReceipt:
    event: ProcessorEvent
    duplicate: bool
    remittance_status: str | None = None


@dataclass
class _ParsedEvent:
    event_id: str
    type: str
    remittance_id: int | None
    provider_reference: str
    occurred_at: datetime | None
    data: dict
    raw_text: str


def _parse_event(raw_body: bytes) -> _ParsedEvent:
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
    return _ParsedEvent(event_id, event_type, remittance_id, reference.strip(), occurred_at, data, raw_text)


def _find_remittance(parsed: _ParsedEvent) -> Remittance | None:
    if parsed.remittance_id is not None:
        return Remittance.objects.filter(pk=parsed.remittance_id).first()
    return Remittance.objects.filter(provider_reference=parsed.provider_reference).order_by("pk").first()


def _apply(parsed: _ParsedEvent, remittance: Remittance | None) -> tuple[str, str, str | None]:
    """(outcome, detail, remittance status after) of an event, its effect made through the remittance services."""
    if parsed.type not in EVENT_TYPES:
        return (
            "ignored",
            f"Unsupported event type {parsed.type!r}; stored only.",
            remittance.status if remittance else None,
        )
    if remittance is None:
        return "unknown_remittance", "No remittance matches this event; stored for reconciliation.", None
    known_reference = remittance.provider_reference
    if parsed.provider_reference and known_reference and parsed.provider_reference != known_reference:
        detail = f"providerReference does not match remittance {remittance.pk}'s {known_reference!r}."
        return "ignored", detail, remittance.status
    before = remittance.status
    try:
        if parsed.type == EVENT_PAID:
            remittance = remittance_mark_paid(
                remittance=remittance, provider_reference=parsed.provider_reference or known_reference
            )
        else:
            reason = parsed.data.get("reason")
            if not isinstance(reason, str) or not reason.strip():
                reason = f"The payout provider reported {EVENT_FAILED} (event {parsed.event_id})."
            remittance = remittance_mark_failed(remittance=remittance, reason=reason[:2000])
    except Conflict:
        remittance.refresh_from_db()
        # Events arrive out of order: one that would move the remittance backwards changes nothing.
        detail = f"Remittance {remittance.pk} is already {remittance.status}; the event changes nothing."
        return "ignored", detail, remittance.status
    return "applied", f"Remittance {remittance.pk}: {before} -> {remittance.status}.", remittance.status


def processor_event_receive(*, raw_body: bytes, signature_header: str | None, now: float | None = None) -> EventReceipt:
    """Verify, store and apply one provider event. Idempotent on the event id."""
    signature_verify(raw_body=raw_body, header=signature_header, now=now)
    assert signature_header is not None  # signature_verify refuses a missing header
    parsed = _parse_event(raw_body)
    try:
        with transaction.atomic():
            stored = ProcessorEvent.objects.filter(event_id=parsed.event_id).first()
            if stored is not None:
                return _replay(stored)
            remittance = _find_remittance(parsed)
            outcome, detail, remittance_status = _apply(parsed, remittance)
            event = ProcessorEvent.objects.create(
                event_id=parsed.event_id,
                type=parsed.type[:100],
                raw_body=parsed.raw_text,
                signature_header=signature_header[:1000],
                occurred_at=parsed.occurred_at,
                remittance=remittance,
                outcome=outcome,
                detail=detail,
            )
    except IntegrityError:
        # The same event, delivered twice at once: the other delivery committed it (and its effect).
        stored = ProcessorEvent.objects.filter(event_id=parsed.event_id).first()
        if stored is None:
            raise
        return _replay(stored)
    if outcome != "applied":
        logger.warning("Payout event %s %s: %s", parsed.event_id, outcome, detail)
    return EventReceipt(event=event, duplicate=False, remittance_status=remittance_status)


def _replay(stored: ProcessorEvent) -> EventReceipt:
    status = (
        Remittance.objects.filter(pk=stored.remittance_id).values_list("status", flat=True).first()
        if stored.remittance_id is not None
        else None
    )
    return EventReceipt(event=stored, duplicate=True, remittance_status=status)
