"""The remittance state machine: PENDING -> PROCESSING -> PAID | FAILED; PENDING -> CANCELLED;
PAID -> RETURNED (the bank or provider sent a paid transfer back). FAILED, CANCELLED and RETURNED
release the remittance's items for the next run.

Locks (`settlements.locks`): worker, then remittance, then its worklogs in primary-key order.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from audit.models import Action, ObjectType
from audit.services import Actor, audit_actor, audit_changes, audit_record, audit_snapshot
from core.errors import Conflict, require_text
from core.money import MoneySum
from ledger.models import AccountKind
from ledger.services import EntrySpec, accounts_for_parties, entries_post
from settlements.advice.mail import advice_email_on_paid
from settlements.locks import lock_remittance, lock_worklogs
from settlements.models import (
    REMITTANCE_TRANSITIONS,
    Claim,
    PayoutSubmission,
    PayoutSubmissionStatus,
    Remittance,
    RemittanceEvent,
    RemittanceStatus,
)
from worklogs.models import WorkLog

# The audit trail's action for each status a remittance moves to.
TRANSITION_ACTIONS: dict[str, str] = {
    RemittanceStatus.PROCESSING: Action.REMITTANCE_MARKED_PROCESSING,
    RemittanceStatus.PAID: Action.REMITTANCE_MARKED_PAID,
    RemittanceStatus.FAILED: Action.REMITTANCE_MARKED_FAILED,
    RemittanceStatus.CANCELLED: Action.REMITTANCE_CANCELLED,
    RemittanceStatus.RETURNED: Action.REMITTANCE_MARKED_RETURNED,
}
TRANSITION_AUDITED = ("status", "status_reason", "provider_reference")


def _lock_remittance(remittance: Remittance) -> Remittance:
    return lock_remittance(remittance.pk, worker_id=remittance.worker_id)


def _require_transition(remittance: Remittance, to_status: str) -> None:
    """A state conflict is 409 before any other check of the request (API.md)."""
    if to_status not in REMITTANCE_TRANSITIONS[remittance.status]:
        raise Conflict(f"A {remittance.status} remittance cannot become {to_status}.", code="illegal_transition")


def _check_not_in_doubt(remittance: Remittance) -> None:
    in_doubt = PayoutSubmission.objects.filter(
        Q(status=PayoutSubmissionStatus.PENDING, attempts__gt=0)
        | Q(status__in=[PayoutSubmissionStatus.SUBMITTING, PayoutSubmissionStatus.IN_DOUBT]),
        remittance=remittance,
    ).exists()
    if in_doubt:
        # A submission is being sent, or was attempted and its outcome is unknown: the provider may
        # be paying it.
        raise Conflict(
            "This payout may already be at the provider; let the submission finish "
            "(`manage.py submit_payouts`, or the admin's retry of a submission in doubt) first.",
            code="payout_in_doubt",
        )


def remittance_check_transition(*, remittance: Remittance, to_status: str) -> None:
    """Refuse (409) a move the remittance's state forbids, before its request's body is validated (API.md).

    A read without a lock, so that a state conflict is 409 whatever the body; the service checks
    again under the remittance's lock, which is what makes it true.
    """
    _require_transition(remittance, to_status)
    if to_status == RemittanceStatus.CANCELLED:
        _check_not_in_doubt(remittance)


def _transition(
    *,
    remittance: Remittance,
    to_status: str,
    reason: str = "",
    provider_reference: str = "",
    actor: Actor = None,
    audit_extra: dict[str, object] | None = None,
) -> Remittance:
    """Move the remittance, with its status history row and its audit event (None: the system, such as
    the payout outbox or a provider's event)."""
    _require_transition(remittance, to_status)
    before = audit_snapshot(remittance, TRANSITION_AUDITED)
    event = RemittanceEvent(
        remittance=remittance,
        from_status=remittance.status,
        to_status=to_status,
        reason=reason,
        provider_reference=provider_reference,
        actor=audit_actor(actor),
    )
    remittance.status = to_status
    remittance.status_changed_at = timezone.now()
    if reason:
        remittance.status_reason = reason
    if provider_reference:
        remittance.provider_reference = provider_reference
    remittance.save(update_fields=["status", "status_changed_at", "status_reason", "provider_reference"])
    event.save()
    audit_record(
        actor=actor,
        action=TRANSITION_ACTIONS[to_status],
        object_type=ObjectType.REMITTANCE,
        object_id=remittance.pk,
        changes={
            **audit_changes(before, audit_snapshot(remittance, TRANSITION_AUDITED)),
            **audit_changes({}, audit_extra or {}),
        },
    )
    return remittance


def _post_remittance_move(remittance: Remittance, *, cause: str, to_kind: str) -> None:
    accounts = accounts_for_parties(
        parties=[remittance.worker_id], currency_by_party={remittance.worker_id: remittance.currency}
    )
    worker_accounts = accounts[remittance.worker_id]
    entries_post(
        specs=[
            EntrySpec(
                cause=cause,
                reference=f"remittance:{remittance.pk}",
                party=remittance.worker_id,
                lines=[
                    (worker_accounts[AccountKind.IN_TRANSIT], remittance.amount),
                    (worker_accounts[to_kind], -remittance.amount),
                ],
            )
        ]
    )


@transaction.atomic
def remittance_mark_processing(
    *, remittance: Remittance, provider_reference: str = "", actor: Actor = None
) -> Remittance:
    """The payout provider accepted the payout (the outbox, so the system acts: `actor` None)."""
    remittance = _lock_remittance(remittance)
    return _transition(
        remittance=remittance, to_status=RemittanceStatus.PROCESSING, provider_reference=provider_reference, actor=actor
    )


@transaction.atomic
def remittance_mark_paid(*, remittance: Remittance, provider_reference: str = "", actor: Actor = None) -> Remittance:
    """The money reached the worker: its items count as remitted on their worklogs."""
    remittance = _lock_remittance(remittance)
    remittance = _transition(
        remittance=remittance, to_status=RemittanceStatus.PAID, provider_reference=provider_reference or "", actor=actor
    )
    _count_paid_items(remittance, sign=1)
    _post_remittance_move(remittance, cause="REMITTANCE_PAID", to_kind=AccountKind.CASH)
    advice_email_on_paid(remittance=remittance)  # the worker's advice, e-mailed after the commit
    return remittance


def _count_paid_items(remittance: Remittance, *, sign: int) -> None:
    """Add (1) or remove (-1) the remittance's claims to/from its worklogs' remitted totals."""
    per_worklog = (
        Claim.objects.filter(remittance=remittance)
        .values("worklog_id")
        .annotate(total=MoneySum("amount"), n=Count("pk"))
        .order_by("worklog_id")
    )
    rows = list(per_worklog)
    lock_worklogs(r["worklog_id"] for r in rows)
    for row in rows:
        WorkLog.objects.filter(pk=row["worklog_id"]).update(
            remitted_amount=F("remitted_amount") + sign * row["total"],
            paid_item_count=F("paid_item_count") + sign * row["n"],
        )


@transaction.atomic
def remittance_mark_failed(*, remittance: Remittance, reason: str, actor: Actor = None) -> Remittance:
    """The payout failed: its items are free for the next run; the attempt stays in history."""
    remittance = _lock_remittance(remittance)
    _require_transition(remittance, RemittanceStatus.FAILED)
    remittance = _transition(
        remittance=remittance, to_status=RemittanceStatus.FAILED, reason=require_text(reason), actor=actor
    )
    _post_remittance_move(remittance, cause="REMITTANCE_FAILED", to_kind=AccountKind.PAYABLE)
    return remittance


@transaction.atomic
def remittance_cancel(*, remittance: Remittance, reason: str, actor: Actor = None) -> Remittance:
    """Finance withdrew the payout before it was submitted: its items are free again."""
    remittance = _lock_remittance(remittance)
    _require_transition(remittance, RemittanceStatus.CANCELLED)
    _check_not_in_doubt(remittance)
    remittance = _transition(
        remittance=remittance, to_status=RemittanceStatus.CANCELLED, reason=require_text(reason), actor=actor
    )
    _post_remittance_move(remittance, cause="REMITTANCE_CANCELLED", to_kind=AccountKind.PAYABLE)
    return remittance


@transaction.atomic
def remittance_mark_returned(
    *,
    remittance: Remittance,
    reason: str,
    actor: Actor = None,
    source: str = "",
    occurred_at: datetime | None = None,
) -> Remittance:
    """A PAID remittance came back (a bank's return, a provider's failure after success): RETURNED, final.

    Its items are released exactly like FAILED (the next run pays them again); its worklogs' remitted
    totals go down by its claims, so they are UNREMITTED again; the ledger moves its amount from CASH
    back to PAYABLE. `source` names who reported it (for example "api", "pain.002", "payout.failed")
    and `occurred_at` when the return happened, both kept in the audit event. `actor` None: the system.
    """
    remittance = _lock_remittance(remittance)
    _require_transition(remittance, RemittanceStatus.RETURNED)
    extra: dict[str, object] = {"source": source} if source else {}
    if occurred_at is not None:
        extra["occurred_at"] = occurred_at
    remittance = _transition(
        remittance=remittance,
        to_status=RemittanceStatus.RETURNED,
        reason=require_text(reason),
        actor=actor,
        audit_extra=extra,
    )
    _count_paid_items(remittance, sign=-1)
    accounts = accounts_for_parties(
        parties=[remittance.worker_id], currency_by_party={remittance.worker_id: remittance.currency}
    )[remittance.worker_id]
    entries_post(
        specs=[
            EntrySpec(
                cause="REMITTANCE_RETURNED",
                reference=f"remittance:{remittance.pk}",
                party=remittance.worker_id,
                lines=[
                    (accounts[AccountKind.CASH], remittance.amount),
                    (accounts[AccountKind.PAYABLE], -remittance.amount),
                ],
            )
        ]
    )
    return remittance
