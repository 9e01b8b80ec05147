"""The payout outbox's sending side. Submissions are written with their remittances
(`settlements.services.submissions`) and sent by background tasks after commit (`settlements.tasks`)
or by the sweeper (`payouts_sweep`: the `payout_sweep` schedule and `manage.py submit_payouts`).

One submission, one call at a time, and no row lock held while the provider is called:
1. claim (a short transaction): lock the worker, the remittance and the submission (the order of
   docs/ARCHITECTURE.md), check the remittance is still PENDING, and mark the submission SUBMITTING
   with a lease (`lease_owner`, `lease_expires_at` in the database's clock) and one more attempt;
2. call the provider outside any transaction: first `lookup` when an earlier attempt's answer was
   lost (the provider may already hold the key), then `submit` (or `submit_batch`) under the
   submission's idempotency key (a random UUID, never reused);
3. record (a new short transaction, the same locks): only while this process still owns the claim;
   accepted -> SUBMITTED and the remittance PROCESSING (and any event that overtook us applied);
   refused for good -> REJECTED; unknown (a timeout, a transport error, a crash: the lease expires)
   -> PENDING again after a backoff, or IN_DOUBT after `PAYOUT_SUBMISSION_MAX_ATTEMPTS`.

Finance cannot cancel a remittance whose submission is SUBMITTING or whose answer is unknown
(`settlements.services.remittances`), and meanwhile acts on other remittances and the time tracker
posts segments freely: nothing is locked during the call.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Q, Value
from django.db.models.functions import Now
from django.utils import timezone

from settlements.gateway import PayoutGateway, PayoutRejected, get_gateway
from settlements.locks import lock_remittance, lock_submission
from settlements.models import PayoutSubmission, PayoutSubmissionStatus, Remittance, RemittanceStatus
from settlements.payouts.events import processor_events_reconcile
from settlements.selectors.payees import HOLD_REASONS, payee_hold_reason
from settlements.services.remittances import remittance_mark_processing
from settlements.services.submissions import payable_remittances

logger = logging.getLogger(__name__)


@dataclass
class _Claim:
    submission: PayoutSubmission
    remittance: Remittance
    owner: uuid.UUID
    #: An earlier attempt may have reached the provider: ask `lookup` before calling `submit`.
    unknown_before: bool


def _due() -> Q:
    """PENDING and past its backoff, or SUBMITTING by a process whose lease expired (it died)."""
    pending = Q(status=PayoutSubmissionStatus.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=Now())
    )
    abandoned = Q(status=PayoutSubmissionStatus.SUBMITTING, lease_expires_at__lte=Now())
    return pending | abandoned


def _due_ids(*, queryset, ignore_backoff: bool = False) -> list[int]:
    due = _due()
    if ignore_backoff:
        due |= Q(status=PayoutSubmissionStatus.PENDING)
    return list(queryset.filter(due).order_by("pk").values_list("pk", flat=True))


def payouts_submit_for_run(*, run_id: int) -> list[PayoutSubmission]:
    """Send the due submissions of one run (after the run's chunks have committed)."""
    ids = _due_ids(queryset=PayoutSubmission.objects.filter(remittance__run_id=run_id))
    return payouts_submit(submission_ids=ids)


def payouts_submit_for_worker(*, worker_id: int) -> list[PayoutSubmission]:
    """Send a worker's due submissions (after its bank details were confirmed)."""
    ids = _due_ids(queryset=PayoutSubmission.objects.filter(remittance__worker_id=worker_id))
    return payouts_submit(submission_ids=ids)


def payouts_sweep(*, ignore_backoff: bool = False) -> list[PayoutSubmission]:
    """The sweeper: every due submission (new, retried after its backoff, or abandoned by a process
    that died during its call). Safe at any time and from many processes at once: a submission is
    claimed by one of them, and the provider is called with its key, asking first when in doubt."""
    ids = _due_ids(queryset=PayoutSubmission.objects.all(), ignore_backoff=ignore_backoff)
    return payouts_submit(submission_ids=ids)


def payouts_submit_pending() -> list[PayoutSubmission]:
    """Recovery after a crash: every PENDING submission now, backoff or not (same key, lookup first)."""
    return payouts_sweep(ignore_backoff=True)


def payouts_submit(*, submission_ids: list[int]) -> list[PayoutSubmission]:
    """Claim, call and record these submissions, in batches of `PAYOUT_SUBMISSION_BATCH_SIZE`.
    Never raises for a provider's error: it is recorded, and retried by the sweeper."""
    gateway = get_gateway()
    done: list[PayoutSubmission] = []
    if not gateway.submits:
        return list(PayoutSubmission.objects.filter(pk__in=submission_ids).order_by("pk"))
    size = settings.PAYOUT_SUBMISSION_BATCH_SIZE
    for start in range(0, len(submission_ids), size):
        batch = submission_ids[start : start + size]
        claims = [claim for claim in (_claim(pk, gateway=gateway) for pk in batch) if claim is not None]
        answers = _call(gateway, claims)
        for claim in claims:
            _record(claim, answers.get(claim.submission.idempotency_key))
        done.extend(PayoutSubmission.objects.filter(pk__in=batch).order_by("pk"))
    return done


def payout_submit(*, submission: PayoutSubmission) -> PayoutSubmission:
    """Submit one payout now (if it is due)."""
    payouts_submit(submission_ids=[submission.pk])
    submission.refresh_from_db()
    return submission


def _note_hold(submission: PayoutSubmission, *, gateway: PayoutGateway, worker_id: int) -> None:
    """Say on the submission (the admin shows it) why the payee's bank details hold it back."""
    reason = payee_hold_reason(worker_id=worker_id) if gateway.needs_bank_details else None
    if reason is not None:
        PayoutSubmission.objects.filter(pk=submission.pk).update(
            last_error=f"Held: {HOLD_REASONS[reason]}.", updated_at=timezone.now()
        )


def _lease_expiry() -> ExpressionWrapper:
    duration = Value(timedelta(seconds=settings.PAYOUT_SUBMISSION_LEASE_SECONDS), output_field=DurationField())
    return ExpressionWrapper(Now() + duration, output_field=DateTimeField())


def _claim(submission_id: int, *, gateway: PayoutGateway) -> _Claim | None:
    """Take one submission for one call, in a short transaction; None when it is not (or no longer)
    ours to send."""
    with transaction.atomic():
        row = PayoutSubmission.objects.filter(pk=submission_id).values("remittance_id").first()
        if row is None:
            return None
        remittance = Remittance.objects.only("worker_id").get(pk=row["remittance_id"])
        remittance = lock_remittance(remittance.pk, worker_id=remittance.worker_id)
        submission = lock_submission(submission_id)
        if not PayoutSubmission.objects.filter(_due(), pk=submission_id).exists():
            return None
        if submission.gateway != gateway.name:
            logger.warning(
                "Payout submission %s is for the %s gateway, not the configured %s; left alone.",
                submission.pk,
                submission.gateway,
                gateway.name,
            )
            return None
        if remittance.status != RemittanceStatus.PENDING:
            submission.status = PayoutSubmissionStatus.SKIPPED
            submission.last_error = f"Not submitted: the remittance became {remittance.status} first."
            submission.lease_owner = submission.lease_expires_at = None
            submission.save(update_fields=["status", "last_error", "lease_owner", "lease_expires_at", "updated_at"])
            return None
        if not payable_remittances(Remittance.objects.filter(pk=remittance.pk)).exists():
            _note_hold(submission, gateway=gateway, worker_id=remittance.worker_id)
            return None  # held (it stays PENDING; the sweeper looks again)
        unknown_before = submission.attempts > 0
        owner = uuid.uuid4()
        PayoutSubmission.objects.filter(pk=submission_id).update(
            status=PayoutSubmissionStatus.SUBMITTING,
            lease_owner=owner,
            lease_expires_at=_lease_expiry(),
            attempts=F("attempts") + 1,
            updated_at=timezone.now(),
        )
        submission.refresh_from_db()
    return _Claim(submission=submission, remittance=remittance, owner=owner, unknown_before=unknown_before)


def _call(gateway: PayoutGateway, claims: list[_Claim]) -> dict[str, str | Exception | None]:
    """The provider calls, outside any transaction: key -> reference, exception, or None (nothing)."""
    answers: dict[str, str | Exception | None] = {}
    to_submit: list[tuple[str, Remittance]] = []
    for claim in claims:
        key = claim.submission.idempotency_key
        if claim.unknown_before:
            try:
                found = gateway.lookup(idempotency_key=key)
            except Exception as exc:  # the provider cannot say: still unknown, try again later
                answers[key] = exc
                continue
            if found:
                answers[key] = found
                continue
        to_submit.append((key, claim.remittance))
    if len(to_submit) == 1:
        key, remittance = to_submit[0]
        try:
            answers[key] = gateway.submit(idempotency_key=key, remittance=remittance)
        except Exception as exc:  # recorded below; never raised to the caller
            answers[key] = exc
    elif to_submit:
        try:
            answers.update(gateway.submit_batch(payouts=to_submit))
        except Exception as exc:  # the whole batch's answer was lost
            answers.update(dict.fromkeys((key for key, _ in to_submit), exc))
    return answers


def _backoff(attempts: int) -> timedelta:
    seconds = settings.PAYOUT_SUBMISSION_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.PAYOUT_SUBMISSION_RETRY_MAX_SECONDS))


def _record(claim: _Claim, answer: str | Exception | None) -> None:
    """Write the call's outcome in a new short transaction, if this process still owns the claim."""
    try:
        with transaction.atomic():
            remittance = lock_remittance(claim.remittance.pk, worker_id=claim.remittance.worker_id)
            submission = lock_submission(claim.submission.pk)
            if submission.status != PayoutSubmissionStatus.SUBMITTING or submission.lease_owner != claim.owner:
                logger.warning("Payout submission %s: claim lost before its outcome was recorded.", submission.pk)
                return
            if isinstance(answer, str) and answer:
                _record_accepted(submission, remittance, answer)
            elif isinstance(answer, PayoutRejected):
                _close(submission, PayoutSubmissionStatus.REJECTED, error=f"Refused by the provider: {answer}")
            else:
                _record_unknown(submission, answer if isinstance(answer, Exception) else None)
    except Exception:  # our own write failed: the lease expires and the sweeper asks the provider
        logger.exception("Payout submission %s: the outcome could not be recorded.", claim.submission.pk)


def _record_accepted(submission: PayoutSubmission, remittance: Remittance, reference: str) -> None:
    if remittance.status == RemittanceStatus.PENDING:
        remittance_mark_processing(remittance=remittance, provider_reference=reference)
        note = ""
    else:  # settled by hand meanwhile: the provider's own events tell what it did
        note = f"Accepted by the provider after the remittance became {remittance.status}."
        logger.warning("Payout submission %s: %s", submission.pk, note)
    submission.status = PayoutSubmissionStatus.SUBMITTED
    submission.provider_reference = reference
    submission.submitted_at = timezone.now()
    submission.last_error = note
    submission.in_doubt_reason = ""
    submission.next_attempt_at = submission.lease_owner = submission.lease_expires_at = None
    submission.save()
    processor_events_reconcile(submission=submission)


def _close(submission: PayoutSubmission, status: str, *, error: str) -> None:
    submission.status = status
    submission.last_error = error[:2000]
    submission.lease_owner = submission.lease_expires_at = None
    submission.save()


def _record_unknown(submission: PayoutSubmission, answer: Exception | None) -> None:
    error = f"{type(answer).__name__}: {answer}" if answer is not None else "No answer from the provider."
    submission.last_error = error[:2000]
    submission.lease_owner = submission.lease_expires_at = None
    if submission.attempts >= settings.PAYOUT_SUBMISSION_MAX_ATTEMPTS:
        submission.status = PayoutSubmissionStatus.IN_DOUBT
        submission.next_attempt_at = None
        submission.in_doubt_reason = (
            f"No known answer after {submission.attempts} attempts (last: {error})"[:2000]
            + "; check with the provider, then retry."
        )
        logger.error("Payout submission %s is in doubt: %s", submission.pk, submission.in_doubt_reason)
    else:
        submission.status = PayoutSubmissionStatus.PENDING
        submission.next_attempt_at = timezone.now() + _backoff(submission.attempts)
        logger.warning("Payout submission %s failed (%s); retried after a backoff.", submission.pk, error)
    submission.save()
