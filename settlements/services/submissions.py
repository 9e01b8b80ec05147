"""Payout submissions: the outbox rows a settlement chunk writes with its remittances, and finance's
"retry now".

Written in the chunk's transaction, so a remittance to be sent and its submission commit together
(or not at all). `settlements.payouts.outbox` sends them once they have committed, in background
tasks. Each submission carries its own idempotency key, a random UUID (`new_idempotency_key`):
unique in the database and never reused, so a restore from backup, a second environment or a
re-submission after a refusal never meets a key the provider already holds.

Which remittances are submittable is decided in one place, `payable_remittances`.
"""

from django.db import transaction
from django.db.models import Q, QuerySet

from audit.models import Action, ObjectType
from audit.services import Actor, audit_record
from core.errors import Conflict
from settlements.gateway import get_gateway
from settlements.locks import lock_remittance, lock_submission
from settlements.models import (
    OPEN_SUBMISSION_STATUSES,
    PayoutSubmission,
    PayoutSubmissionStatus,
    Remittance,
    RemittanceStatus,
)
from settlements.selectors.payees import remittances_payable_to_confirmed_payee


def payable_remittances(remittances: QuerySet[Remittance]) -> QuerySet[Remittance]:
    """The remittances of `remittances` that may go to a gateway now: the one filter every
    submission path applies (a payee rule is one more `.filter` here). PENDING, of a run that needs
    no approval or was approved (four eyes; the database refuses a submission otherwise), and, for a
    gateway that pays into bank accounts, whose payee's bank details a second user confirmed."""
    payable = remittances.filter(
        Q(run__approval_required=False) | Q(run__approved_at__isnull=False), status=RemittanceStatus.PENDING
    )
    if get_gateway().needs_bank_details:  # a bank account is paid only once a second user confirmed it
        payable = remittances_payable_to_confirmed_payee(payable)
    return payable


def payout_submissions_create(*, remittances: list[Remittance]) -> list[PayoutSubmission]:
    """In the caller's transaction: one submission per new remittance, when the gateway submits at all."""
    gateway = get_gateway()
    if not gateway.submits or not remittances:
        return []
    return PayoutSubmission.objects.bulk_create(
        [PayoutSubmission(remittance=r, gateway=gateway.name) for r in remittances]
    )


@transaction.atomic
def payout_submission_retry(*, submission: PayoutSubmission, actor: Actor) -> PayoutSubmission:
    """Finance's "retry now": returns the submission the outbox will send at once.

    IN_DOUBT (finance checked with the provider) or PENDING: due now, with the same key (the
    outbox asks the provider whether it holds the key before calling again). REJECTED: a new
    submission with a new key, if its remittance is still PENDING and has no other open one.
    Anything else is a 409.
    """
    remittance = Remittance.objects.only("worker_id").get(pk=submission.remittance_id)
    remittance = lock_remittance(remittance.pk, worker_id=remittance.worker_id)
    submission = lock_submission(submission.pk)
    before = submission.status
    if submission.status in (PayoutSubmissionStatus.IN_DOUBT, PayoutSubmissionStatus.PENDING):
        if remittance.status != RemittanceStatus.PENDING:
            raise Conflict(f"The remittance is {remittance.status}; nothing to submit.", code="illegal_transition")
        submission.status = PayoutSubmissionStatus.PENDING
        submission.next_attempt_at = None
        submission.in_doubt_reason = ""
        submission.save(update_fields=["status", "next_attempt_at", "in_doubt_reason", "updated_at"])
        retried = submission
    elif submission.status == PayoutSubmissionStatus.REJECTED:
        if remittance.status != RemittanceStatus.PENDING:
            raise Conflict(f"The remittance is {remittance.status}; nothing to submit.", code="illegal_transition")
        if PayoutSubmission.objects.filter(remittance=remittance, status__in=OPEN_SUBMISSION_STATUSES).exists():
            raise Conflict("The remittance already has an open submission.", code="illegal_transition")
        retried = PayoutSubmission.objects.create(remittance=remittance, gateway=get_gateway().name)
    else:
        raise Conflict(f"A {submission.status} submission cannot be retried.", code="illegal_transition")
    audit_record(
        actor=actor,
        action=Action.REMITTANCE_PAYOUT_RETRIED,
        object_type=ObjectType.REMITTANCE,
        object_id=remittance.pk,
        changes={
            "submissionStatus": [before, retried.status],
            "idempotencyKey": [submission.idempotency_key, retried.idempotency_key],
        },
    )
    return retried
