"""The payout provider's events: verified by the gateway's adapter (`PayoutGateway.parse_event`),
stored raw under their unique id, and applied through the same services as finance's manual actions.

An event changes only what was given to that provider: a remittance whose submission to the
configured gateway was accepted under the event's `providerReference`. Any other event (a
remittance never submitted, submitted elsewhere, or under another reference; an unknown one) is
stored for reconciliation and changes nothing. An event that arrives before its submission's
outcome is recorded (the provider answered faster than we wrote its answer down, or our call timed
out after the provider accepted) is stored as `awaiting_submission` and applied by the outbox when
it records that outcome (`processor_events_reconcile`).

Events are ordered by `occurredAt`: a `payout.failed` that occurred after the applied `payout.paid`
moves the remittance to RETURNED; one that occurred before it changes nothing.

Locks: the remittance's worker, then the remittance (the order of docs/ARCHITECTURE.md), so an event
and the outbox recording its submission's outcome take turns.
"""

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Min

from core.errors import Conflict
from settlements.gateway import ProviderEvent, get_gateway
from settlements.locks import lock_remittance
from settlements.models import (
    PayoutSubmission,
    PayoutSubmissionStatus,
    ProcessorEvent,
    Remittance,
    RemittanceStatus,
)
from settlements.payouts.signed_json import EVENT_FAILED, EVENT_PAID, EVENT_TYPES
from settlements.services.remittances import remittance_mark_failed, remittance_mark_paid, remittance_mark_returned

logger = logging.getLogger(__name__)

OUTCOME_APPLIED = "applied"
OUTCOME_IGNORED = "ignored"
OUTCOME_UNKNOWN = "unknown_remittance"
OUTCOME_NOT_SUBMITTED = "not_submitted"
OUTCOME_AWAITING = "awaiting_submission"
OUTCOMES = (OUTCOME_APPLIED, OUTCOME_IGNORED, OUTCOME_UNKNOWN, OUTCOME_NOT_SUBMITTED, OUTCOME_AWAITING)
# Stored without effect, but applied once the submission they name is recorded as accepted.
RECONCILABLE_OUTCOMES = (OUTCOME_AWAITING, OUTCOME_NOT_SUBMITTED, OUTCOME_UNKNOWN)
# A submission whose call may have reached the provider, its answer not yet recorded.
UNSETTLED_SUBMISSION_STATUSES = (
    PayoutSubmissionStatus.PENDING,
    PayoutSubmissionStatus.SUBMITTING,
    PayoutSubmissionStatus.IN_DOUBT,
)

__all__ = ["EVENT_FAILED", "EVENT_PAID", "EVENT_TYPES", "EventReceipt", "processor_event_receive"]


@dataclass
class EventReceipt:
    event: ProcessorEvent
    duplicate: bool
    remittance_status: str | None = None


def _find_remittance(parsed: ProviderEvent, gateway_name: str) -> Remittance | None:
    if parsed.remittance_id is not None:
        return Remittance.objects.filter(pk=parsed.remittance_id).first()
    submission = (
        PayoutSubmission.objects.filter(gateway=gateway_name, provider_reference=parsed.provider_reference)
        .order_by("-pk")
        .first()
    )
    if submission is not None:
        return Remittance.objects.get(pk=submission.remittance_id)
    return Remittance.objects.filter(provider_reference=parsed.provider_reference).order_by("pk").first()


def _accepted_submission(remittance: Remittance, gateway_name: str, reference: str) -> PayoutSubmission | None:
    if not reference:
        return None
    return PayoutSubmission.objects.filter(
        remittance=remittance,
        gateway=gateway_name,
        status=PayoutSubmissionStatus.SUBMITTED,
        provider_reference=reference,
    ).first()


def _apply(parsed: ProviderEvent, remittance: Remittance | None, gateway_name: str) -> tuple[str, str]:
    """(outcome, detail) of a new event, with `remittance` locked when there is one."""
    if parsed.type not in EVENT_TYPES:
        return OUTCOME_IGNORED, f"Unsupported event type {parsed.type!r}; stored only."
    if remittance is None:
        return OUTCOME_UNKNOWN, "No remittance matches this event; stored for reconciliation."
    if _accepted_submission(remittance, gateway_name, parsed.provider_reference) is not None:
        return _apply_to_submitted(parsed, remittance)
    unsettled = PayoutSubmission.objects.filter(
        remittance=remittance, gateway=gateway_name, status__in=UNSETTLED_SUBMISSION_STATUSES, attempts__gt=0
    ).exists()
    if unsettled and parsed.provider_reference:
        return (
            OUTCOME_AWAITING,
            f"Remittance {remittance.pk}'s submission to the {gateway_name} gateway has no recorded answer yet; "
            "the event is applied when it is recorded.",
        )
    return (
        OUTCOME_NOT_SUBMITTED,
        f"Remittance {remittance.pk} was not submitted to the {gateway_name} gateway under providerReference "
        f"{parsed.provider_reference!r}; stored for reconciliation, nothing changed.",
    )


def _apply_to_submitted(parsed: ProviderEvent, remittance: Remittance) -> tuple[str, str]:
    """The event's effect on a remittance its provider accepted, through the remittance services."""
    before = remittance.status
    try:
        if parsed.type == EVENT_PAID:
            remittance = remittance_mark_paid(remittance=remittance, provider_reference=parsed.provider_reference)
        elif before == RemittanceStatus.PAID:
            return _failed_after_paid(parsed, remittance)
        else:
            remittance = remittance_mark_failed(remittance=remittance, reason=_failure_reason(parsed))
    except Conflict:
        remittance.refresh_from_db()
        # Events arrive out of order: one that would move the remittance backwards changes nothing.
        return OUTCOME_IGNORED, f"Remittance {remittance.pk} is already {remittance.status}; the event changes nothing."
    return OUTCOME_APPLIED, f"Remittance {remittance.pk}: {before} -> {remittance.status}."


def _failure_reason(parsed: ProviderEvent) -> str:
    reason = parsed.data.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        reason = f"The payout provider reported {EVENT_FAILED} (event {parsed.event_id})."
    return reason[:2000]


def _failed_after_paid(parsed: ProviderEvent, remittance: Remittance) -> tuple[str, str]:
    """A failure reported for a PAID remittance: a return when it occurred after the payout.paid."""
    paid_at = ProcessorEvent.objects.filter(
        type=EVENT_PAID, provider_reference=parsed.provider_reference, occurred_at__isnull=False
    ).aggregate(first=Min("occurred_at"))["first"]
    if parsed.occurred_at is None or paid_at is None:
        return OUTCOME_IGNORED, (
            f"Remittance {remittance.pk} is PAID and this payout.failed cannot be ordered after a payout.paid "
            "(no occurredAt); the event changes nothing."
        )
    if parsed.occurred_at <= paid_at:
        return OUTCOME_IGNORED, (
            f"Remittance {remittance.pk} is PAID: this payout.failed occurred at {parsed.occurred_at.isoformat()}, "
            f"not after the payout.paid of {paid_at.isoformat()}; the event changes nothing."
        )
    return _mark_returned(parsed, remittance)


def _mark_returned(parsed: ProviderEvent, remittance: Remittance) -> tuple[str, str]:
    remittance_mark_returned(
        remittance=remittance,
        reason=_failure_reason(parsed),
        source=EVENT_FAILED,
        occurred_at=parsed.occurred_at,
    )
    return OUTCOME_APPLIED, f"Remittance {remittance.pk}: PAID -> RETURNED (payout.failed after payout.paid)."


def processor_event_receive(*, raw_body: bytes, headers: Mapping[str, str], now: float | None = None) -> EventReceipt:
    """Verify (by the configured gateway's adapter), store and apply one provider event. Idempotent
    on the event id."""
    gateway = get_gateway()
    parsed = gateway.parse_event(raw_body=raw_body, headers=headers, now=now)
    try:
        with transaction.atomic():
            stored = ProcessorEvent.objects.filter(event_id=parsed.event_id).first()
            if stored is not None:
                return _replay(stored)
            remittance = _find_remittance(parsed, gateway.name)
            if remittance is not None:
                remittance = lock_remittance(remittance.pk, worker_id=remittance.worker_id)
            outcome, detail = _apply(parsed, remittance, gateway.name)
            event = ProcessorEvent.objects.create(
                event_id=parsed.event_id,
                type=parsed.type[:100],
                raw_body=parsed.raw_text,
                signature_header=parsed.signature[:1000],
                gateway=gateway.name[:20],
                provider_reference=parsed.provider_reference,
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
    if outcome != OUTCOME_APPLIED:
        logger.warning("Payout event %s %s: %s", parsed.event_id, outcome, detail)
    status = None
    if remittance is not None:
        status = Remittance.objects.filter(pk=remittance.pk).values_list("status", flat=True).first()
    return EventReceipt(event=event, duplicate=False, remittance_status=status)


def processor_events_reconcile(*, submission: PayoutSubmission) -> list[str]:
    """Apply the stored events that named `submission`'s reference before its acceptance was
    recorded, in `occurredAt` order. Called by the outbox in the transaction that records the
    acceptance (the remittance locked); returns each event's outcome now. The stored rows stay as
    received (append-only); the remittance's history and audit trail say what they did."""
    events = ProcessorEvent.objects.filter(
        gateway=submission.gateway,
        provider_reference=submission.provider_reference,
        type__in=EVENT_TYPES,
        outcome__in=RECONCILABLE_OUTCOMES,
    ).order_by(F("occurred_at").asc(nulls_last=True), "received_at", "pk")
    outcomes = []
    for event in events:
        remittance = Remittance.objects.get(pk=submission.remittance_id)
        parsed = ProviderEvent(
            event_id=event.event_id,
            type=event.type,
            remittance_id=remittance.pk,
            provider_reference=event.provider_reference,
            occurred_at=event.occurred_at,
            data=_stored_data(event),
        )
        outcome, detail = _apply_to_submitted(parsed, remittance)
        logger.info("Payout event %s reconciled with submission %s: %s", event.event_id, submission.pk, detail)
        outcomes.append(outcome)
    return outcomes


def _stored_data(event: ProcessorEvent) -> dict:
    try:
        data = json.loads(event.raw_body).get("data")
    except (ValueError, AttributeError):
        return {}
    return data if isinstance(data, dict) else {}


def _replay(stored: ProcessorEvent) -> EventReceipt:
    status = (
        Remittance.objects.filter(pk=stored.remittance_id).values_list("status", flat=True).first()
        if stored.remittance_id is not None
        else None
    )
    return EventReceipt(event=stored, duplicate=True, remittance_status=status)
