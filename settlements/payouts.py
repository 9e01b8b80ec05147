"""Payouts that leave the building: the outbox of submissions and the provider's signed events.

Outbox. `payouts_enqueue` runs inside the settlement chunk's transaction: it writes one
`PayoutSubmission` per new remittance and schedules `payouts_submit` for after the commit. A
submission calls the gateway with the remittance's idempotency key and moves the remittance to
PROCESSING with the provider's reference. If the process dies after the commit and before (or
during) the provider call, the submission stays PENDING and `submit_payouts` (or the end of the next
background run) submits it again; the key makes the provider return the same payout, never a second.

Events. `processor_event_receive` verifies the `X-Payout-Signature` header, stores every accepted
event raw under its unique id and applies it through the same services as finance's manual actions
(`remittance_mark_paid`, `remittance_mark_failed`). A replay, an event that would move a remittance
backwards and an event for an unknown remittance are stored and answered 200 with an outcome that
says so; nothing of theirs changes money.

Locks: worker, then remittance, then its submission (the project order, parents first).
"""

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.fields import ID_PATTERN, MAX_ID
from config.parsers import JSONRefused, strict_json_loads
from ledger.errors import Conflict, DomainError, InvalidInput
from settlements.gateway import get_gateway
from settlements.models import (
    PayoutSubmission,
    PayoutSubmissionStatus,
    ProcessorEvent,
    Remittance,
    RemittanceStatus,
)
from settlements.services import remittance_mark_failed, remittance_mark_paid, remittance_mark_processing
from worklogs.models import Worker

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Payout-Signature"
EVENT_PAID = "payout.paid"
EVENT_FAILED = "payout.failed"
EVENT_TYPES = (EVENT_PAID, EVENT_FAILED)


# --- Outbox ---------------------------------------------------------------------------------


def payout_idempotency_key(remittance: Remittance) -> str:
    return f"remittance-{remittance.pk}"


def payouts_enqueue(*, remittances: list[Remittance]) -> list[PayoutSubmission]:
    """In the caller's transaction: the outbox rows, and their submission once it commits."""
    gateway = get_gateway()
    if not gateway.submits or not remittances:
        return []
    submissions = PayoutSubmission.objects.bulk_create(
        [
            PayoutSubmission(remittance=r, idempotency_key=payout_idempotency_key(r), gateway=gateway.name)
            for r in remittances
        ]
    )
    ids = [s.pk for s in submissions]
    # robust: the run has committed; a provider outage must not turn its answer into an error.
    transaction.on_commit(lambda: payouts_submit(submission_ids=ids), robust=True)
    return submissions


def payouts_submit(*, submission_ids: list[int]) -> list[PayoutSubmission]:
    return [payout_submit(submission=s) for s in PayoutSubmission.objects.filter(pk__in=submission_ids).order_by("pk")]


def payouts_submit_pending() -> list[PayoutSubmission]:
    """Recovery: submit every PENDING submission again (same key, so never a second payout)."""
    ids = list(
        PayoutSubmission.objects.filter(status=PayoutSubmissionStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return payouts_submit(submission_ids=ids)


def _count_attempt(submission: PayoutSubmission) -> bool:
    """Committed before the call, so a crash during it leaves `attempts` > 0: the payout is in doubt."""
    with transaction.atomic():
        updated = PayoutSubmission.objects.filter(pk=submission.pk, status=PayoutSubmissionStatus.PENDING).update(
            attempts=F("attempts") + 1, updated_at=timezone.now()
        )
    return updated == 1


def payout_submit(*, submission: PayoutSubmission) -> PayoutSubmission:
    """Submit one payout. Never raises for a provider error: it is recorded and retried later."""
    gateway = get_gateway()
    if not gateway.submits or not _count_attempt(submission):
        submission.refresh_from_db()
        return submission
    try:
        # The remittance stays locked during the provider call, so finance cannot cancel it while
        # the provider is accepting it (PROCESSING can no longer be cancelled).
        with transaction.atomic():
            remittance = Remittance.objects.get(pk=submission.remittance_id)
            Worker.objects.select_for_update().get(pk=remittance.worker_id)
            remittance = Remittance.objects.select_for_update().get(pk=remittance.pk)
            submission = PayoutSubmission.objects.select_for_update().get(pk=submission.pk)
            if submission.status != PayoutSubmissionStatus.PENDING:
                return submission
            if remittance.status != RemittanceStatus.PENDING:
                submission.status = PayoutSubmissionStatus.SKIPPED
                submission.last_error = f"Not submitted: the remittance became {remittance.status} first."
                submission.save(update_fields=["status", "last_error", "updated_at"])
                return submission
            reference = gateway.submit(idempotency_key=submission.idempotency_key, remittance=remittance)
            remittance_mark_processing(remittance=remittance, provider_reference=reference)
            submission.status = PayoutSubmissionStatus.SUBMITTED
            submission.provider_reference = reference
            submission.submitted_at = timezone.now()
            submission.last_error = ""
            submission.save(update_fields=["status", "provider_reference", "submitted_at", "last_error", "updated_at"])
            return submission
    except Exception as exc:  # any failure of the call or of our commit: keep it PENDING, retry later
        logger.exception("Payout submission %s failed; it stays pending for a retry.", submission.pk)
        PayoutSubmission.objects.filter(pk=submission.pk).update(
            last_error=f"{type(exc).__name__}: {exc}"[:2000], updated_at=timezone.now()
        )
        submission.refresh_from_db()
        return submission


# --- Signatures -----------------------------------------------------------------------------


class InvalidSignature(DomainError):
    """A webhook call that is not provably from the provider, or not recent: 401, nothing written."""

    status = 401
    code = "invalid_signature"


def _digest(*, secret: str, timestamp: str, raw_body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + raw_body, hashlib.sha256).hexdigest()


def sign(*, raw_body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `X-Payout-Signature` value the provider sends: `t=<unix seconds>,v1=<hex>`."""
    t = str(int(time.time()) if timestamp is None else timestamp)
    return f"t={t},v1={_digest(secret=secret, timestamp=t, raw_body=raw_body)}"


def signature_verify(*, raw_body: bytes, header: str | None, now: float | None = None) -> None:
    secrets = settings.PAYOUT_WEBHOOK_SECRETS
    if not secrets:
        raise InvalidSignature("Payout webhooks are not configured (PAYOUT_WEBHOOK_SECRETS is empty).")
    if not header:
        raise InvalidSignature(f"The {SIGNATURE_HEADER} header is required.")
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not timestamp.isdigit() or not signatures:
        raise InvalidSignature(f"The {SIGNATURE_HEADER} header must be t=<unix seconds>,v1=<hex>.")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > settings.PAYOUT_WEBHOOK_TOLERANCE_SECONDS:
        raise InvalidSignature("The signature's timestamp is too far from now.")
    expected = [_digest(secret=secret, timestamp=timestamp, raw_body=raw_body) for secret in secrets]
    # Every comparison is made (constant time each, no early exit on the first secret).
    matches = [hmac.compare_digest(e, s) for e in expected for s in signatures]
    if not any(matches):
        raise InvalidSignature("The signature does not match.")


# --- Events ---------------------------------------------------------------------------------


@dataclass
class EventReceipt:
    event: ProcessorEvent
    duplicate: bool
    remittance_status: str | None = None
    http_status: int = 200


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
            raise InvalidInput("A positive integer is expected.", field="remittanceId")
    reference = body.get("providerReference") or ""
    if not isinstance(reference, str) or len(reference) > 200:
        raise InvalidInput("A string of at most 200 characters is expected.", field="providerReference")
    if event_type in EVENT_TYPES and remittance_id is None and not reference:
        raise InvalidInput(f"{event_type} needs a remittanceId or a providerReference.", field="remittanceId")
    occurred_at = body.get("occurredAt")
    if occurred_at is not None:
        parsed = parse_datetime(occurred_at) if isinstance(occurred_at, str) else None
        if parsed is None or parsed.tzinfo is None:
            raise InvalidInput("An ISO-8601 timestamp with an offset is expected.", field="occurredAt")
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
        return "ignored", f"Unsupported event type {parsed.type!r}; stored only.", remittance and remittance.status
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
    status = Remittance.objects.filter(pk=stored.remittance_id).values_list("status", flat=True).first()
    return EventReceipt(event=stored, duplicate=True, remittance_status=status)
