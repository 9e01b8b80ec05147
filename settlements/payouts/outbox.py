"""The payout outbox's sending side: submissions (written with their remittances by
`settlements.services.submissions`) are sent to the gateway after commit. A submission calls the
gateway with the remittance's idempotency key and moves the remittance to PROCESSING with the
provider's reference. If the process dies after the commit and before (or during) the provider
call, the submission stays PENDING and `submit_payouts` (or the end of the next background run)
submits it again; the key makes the provider return the same payout, never a second.

Locks (`settlements.locks`, the one order of docs/ARCHITECTURE.md): worker, remittance, submission.
"""

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from settlements.gateway import PayoutGateway, get_gateway
from settlements.locks import lock_remittance, lock_submission
from settlements.models import PayoutSubmission, PayoutSubmissionStatus, Remittance, RemittanceStatus
from settlements.selectors.payees import HOLD_REASONS, payee_hold_reason, remittances_payable_to_confirmed_payee
from settlements.services.remittances import remittance_mark_processing

logger = logging.getLogger(__name__)


def payouts_submit(*, submission_ids: list[int]) -> list[PayoutSubmission]:
    return [payout_submit(submission=s) for s in PayoutSubmission.objects.filter(pk__in=submission_ids).order_by("pk")]


def _submissions_not_held(gateway: PayoutGateway, **filters: object) -> list[int]:
    """PENDING submissions' ids, without those whose payee's bank details are not confirmed yet when
    the gateway pays into bank accounts (`remittances_payable_to_confirmed_payee`)."""
    pending = PayoutSubmission.objects.filter(status=PayoutSubmissionStatus.PENDING, **filters)
    if gateway.needs_bank_details:
        payable = remittances_payable_to_confirmed_payee(Remittance.objects.all()).values("pk")
        pending = pending.filter(remittance_id__in=payable)
    return list(pending.order_by("pk").values_list("pk", flat=True))


def payouts_submit_for_run(*, run_id: int) -> list[PayoutSubmission]:
    """Send the PENDING submissions of one run (after the run's chunks have committed)."""
    return payouts_submit(submission_ids=_submissions_not_held(get_gateway(), remittance__run_id=run_id))


def payouts_submit_for_worker(*, worker_id: int) -> list[PayoutSubmission]:
    """Send a worker's PENDING submissions (after its bank details were confirmed)."""
    return payouts_submit(submission_ids=_submissions_not_held(get_gateway(), remittance__worker_id=worker_id))


def payouts_submit_pending() -> list[PayoutSubmission]:
    """Recovery: submit every PENDING submission again (same key, so never a second payout)."""
    return payouts_submit(submission_ids=_submissions_not_held(get_gateway()))


def _held(gateway: PayoutGateway, submission: PayoutSubmission) -> bool:
    """True (and the reason written on the submission) when the payee's bank details hold it back."""
    if not gateway.needs_bank_details:
        return False
    worker_id = Remittance.objects.values_list("worker_id", flat=True).get(pk=submission.remittance_id)
    reason = payee_hold_reason(worker_id=worker_id)
    if reason is None:
        return False
    PayoutSubmission.objects.filter(pk=submission.pk).update(
        last_error=f"Held: {HOLD_REASONS[reason]}.", updated_at=timezone.now()
    )
    return True


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
    if not gateway.submits or _held(gateway, submission) or not _count_attempt(submission):
        submission.refresh_from_db()
        return submission
    try:
        # The remittance stays locked during the provider call, so finance cannot cancel it while
        # the provider is accepting it (PROCESSING can no longer be cancelled).
        with transaction.atomic():
            remittance = Remittance.objects.get(pk=submission.remittance_id)
            remittance = lock_remittance(remittance.pk, worker_id=remittance.worker_id)
            submission = lock_submission(submission.pk)
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
