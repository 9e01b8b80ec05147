"""Four-eyes approval of a settlement run: approved by a finance user other than its creator, or rejected.

A run created with `approval_required` (the setting `SETTLEMENT_APPROVAL_REQUIRED` when it was
created) sends nothing out until it is approved: its remittances stay PENDING and get no payout
submission (a database trigger refuses one). Approving writes the submissions of its PENDING
remittances; the caller sends them once the approval has committed (`settlements.tasks`).
Rejecting cancels its PENDING remittances, which releases their items for the next run.

A run is decided once (approved or rejected), by one conditional UPDATE that only an undecided run
satisfies, so of two concurrent approvals exactly one succeeds; CHECK constraints refuse an
approver who created the run, and a trigger refuses changing a decision.

Locks: the decision's UPDATE takes the run's row, then a rejection cancels remittances (worker,
remittance, ...: the one order of docs/ARCHITECTURE.md). No settlement chunk touches a COMPLETED
run's row, and only COMPLETED runs are decided, so the run's row never waits behind a worker lock.
"""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.models import Action, ObjectType
from audit.services import audit_changes, audit_record
from core.errors import Conflict, NotPermitted, require_text
from settlements.models import (
    Remittance,
    RemittanceStatus,
    RunStatus,
    SettlementRun,
)
from settlements.services.remittances import remittance_cancel
from settlements.services.submissions import payout_submissions_create


def settlement_run_check_decision(*, run: SettlementRun) -> None:
    """409 when the run cannot be approved or rejected now: created without approval, not COMPLETED
    yet, or already decided. A read without a lock (checked before a request's body is validated);
    the decision's conditional UPDATE is what makes it true."""
    if not run.approval_required:
        raise Conflict(
            f"Run {run.pk} was created with approval off (SETTLEMENT_APPROVAL_REQUIRED): nothing to approve.",
            code="approval_not_required",
        )
    if run.approved_at is not None:
        raise Conflict(f"Run {run.pk} is already approved.", code="run_already_approved")
    if run.rejected_at is not None:
        raise Conflict(f"Run {run.pk} was rejected.", code="run_already_rejected")
    if run.status != RunStatus.COMPLETED:
        raise Conflict(
            f"Run {run.pk} is {run.shown_status}: only a COMPLETED run can be approved or rejected.",
            code="run_not_completed",
        )


def settlement_run_check_approver(*, run: SettlementRun, actor: User) -> None:
    """403 for the run's creator: four eyes. A run without a human creator (the command, a schedule)
    may be approved by any finance user."""
    if run.created_by_id is not None and run.created_by_id == actor.pk:
        raise NotPermitted(
            f"Run {run.pk} was created by {actor.get_username()}: another finance user must approve it.",
            code="approver_is_creator",
        )


def settlement_run_check_export(*, run: SettlementRun) -> None:
    """409 `run_not_approved` while the run awaits approval (or was rejected): nothing of it goes to a bank."""
    if run.awaiting_approval:
        state = "was rejected" if run.rejected_at is not None else "awaits approval by a second finance user"
        raise Conflict(f"Run {run.pk} {state}: its payouts cannot be exported.", code="run_not_approved")


def _decide(*, run: SettlementRun, **decision: object) -> SettlementRun:
    """The one conditional UPDATE of a decision: 409 if another decision came first."""
    undecided = SettlementRun.objects.filter(
        pk=run.pk,
        approval_required=True,
        approved_at__isnull=True,
        rejected_at__isnull=True,
        status=RunStatus.COMPLETED,
    )
    if undecided.update(**decision) != 1:
        run.refresh_from_db()
        settlement_run_check_decision(run=run)  # raises the reason
        raise Conflict(f"Run {run.pk} was decided meanwhile.", code="run_already_decided")
    run.refresh_from_db()
    return run


@transaction.atomic
def settlement_run_approve(*, run: SettlementRun, actor: User) -> SettlementRun:
    """Approve the run (403 for its creator, 409 if not pending approval) and write the payout
    submissions of its PENDING remittances, in this transaction. The caller sends them after commit."""
    run = SettlementRun.objects.get(pk=run.pk)
    settlement_run_check_approver(run=run, actor=actor)
    settlement_run_check_decision(run=run)
    run = _decide(run=run, approved_by=actor, approved_at=timezone.now())
    pending = list(
        Remittance.objects.filter(run=run, status=RemittanceStatus.PENDING, payout_submission__isnull=True).order_by(
            "pk"
        )
    )
    payout_submissions_create(remittances=pending)
    audit_record(
        actor=actor,
        action=Action.SETTLEMENT_RUN_APPROVED,
        object_type=ObjectType.SETTLEMENT_RUN,
        object_id=run.pk,
        changes=audit_changes({}, {"approved_by": actor.get_username(), "approved_at": run.approved_at}),
    )
    return run


@transaction.atomic
def settlement_run_reject(*, run: SettlementRun, reason: str, actor: User) -> SettlementRun:
    """Reject the run (409 if not pending approval; its creator may reject it): its PENDING remittances
    are cancelled, which releases their items for the next run."""
    run = SettlementRun.objects.get(pk=run.pk)
    settlement_run_check_decision(run=run)
    reason = require_text(reason)
    run = _decide(run=run, rejected_by=actor, rejected_at=timezone.now(), rejection_reason=reason)
    for remittance in Remittance.objects.filter(run=run, status=RemittanceStatus.PENDING).order_by("pk"):
        remittance_cancel(remittance=remittance, reason=f"Run {run.pk} rejected: {reason}", actor=actor)
    audit_record(
        actor=actor,
        action=Action.SETTLEMENT_RUN_REJECTED,
        object_type=ObjectType.SETTLEMENT_RUN,
        object_id=run.pk,
        changes=audit_changes(
            {},
            {"rejected_by": actor.get_username(), "rejected_at": run.rejected_at, "rejection_reason": reason},
        ),
    )
    return run
