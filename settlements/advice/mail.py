"""E-mailing the advice when a remittance becomes PAID: an outbox row and a task after the commit.

`advice_email_on_paid` is the one call `remittance_mark_paid` makes, inside its transaction: it
writes the `AdviceEmail` row (or, for a worker without an address, a SKIPPED row, counted on the
dashboard) and asks for the task once the payment has committed. The task sends the message
through Django's e-mail framework, with the advice as a PDF attachment. A failure of the mail
server is recorded on the row (`attempts`, `last_error`) and retried later with a doubling delay:
by the task itself where the task backend can defer (the database backend), and by
`manage.py send_advice_emails` (the scheduler's `advice_emails` job) in any case. Nothing here can
fail, delay or undo the payment: the task runs after the commit, `robust`, and never holds a lock.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend, task

from settlements.advice.pdf import advice_filename, advice_pdf
from settlements.models import AdviceEmail, AdviceEmailStatus, Remittance
from settlements.selectors.advice import remittance_advice

logger = logging.getLogger(__name__)
# How long one sender holds a row it claimed (longer than any SMTP timeout): another sender may
# take it over only after that, so a crashed sender's row is retried and a live one is never doubled.
CLAIM_SECONDS = 300


def advice_email_on_paid(*, remittance: Remittance) -> AdviceEmail | None:
    """Queue the advice e-mail of a remittance that has just become PAID (inside its transaction)."""
    if not settings.ADVICE_EMAIL_ENABLED:
        logger.info(
            "Remittance %s is PAID; its advice is not e-mailed (no EMAIL_URL set).",
            remittance.pk,
            extra={"remittance_id": remittance.pk},
        )
        return None
    address = remittance.worker.email
    if not address:
        logger.warning(
            "Remittance %s is PAID; worker %s has no e-mail address, so no advice was sent.",
            remittance.pk,
            remittance.worker_id,
            extra={"remittance_id": remittance.pk},
        )
        return AdviceEmail.objects.create(
            remittance=remittance, status=AdviceEmailStatus.SKIPPED, next_attempt_at=timezone.now()
        )
    email = AdviceEmail.objects.create(remittance=remittance, to_address=address, next_attempt_at=timezone.now())
    transaction.on_commit(lambda: _enqueue(email.pk), robust=True)
    return email


def _enqueue(email_id: int, run_after: datetime | None = None) -> None:
    try:
        if run_after is not None:
            advice_email_task.using(run_after=run_after).enqueue(email_id=email_id)
        else:
            advice_email_task.enqueue(email_id=email_id)
    except Exception:  # the row stays PENDING: `send_advice_emails` sends it
        logger.exception("Could not enqueue the advice e-mail %s; the sweep will send it.", email_id)


@task()
def advice_email_task(email_id: int) -> dict:
    return {"emailId": email_id, "status": advice_email_send(email_id=email_id)}


def _claim(email_id: int, now: datetime) -> bool:
    """Take the row for one attempt: one conditional UPDATE, so two senders never both send it."""
    claimed = AdviceEmail.objects.filter(
        pk=email_id,
        status=AdviceEmailStatus.PENDING,
        next_attempt_at__lte=now,
        attempts__lt=settings.ADVICE_EMAIL_MAX_ATTEMPTS,
    ).update(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    return claimed == 1


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: the base delay, doubled each time (60 s, 2 min, 4 min, ...)."""
    return timedelta(seconds=settings.ADVICE_EMAIL_RETRY_SECONDS * 2 ** max(0, attempts - 1))


def advice_email_message(email: AdviceEmail) -> EmailMessage:
    remittance = Remittance.objects.select_related("worker").get(pk=email.remittance_id)
    advice = remittance_advice(remittance=remittance)
    amount = f"{advice.amount} {advice.currency}"
    body = (
        f"Hello {advice.worker_name},\n\n"
        f"We have paid you {amount} for your work up to {advice.period_end.isoformat()} "
        f"(remittance #{advice.remittance_id}).\n"
        "The attached remittance advice lists the hours and amounts of each worklog, and any "
        "adjustment or clawback with its reason.\n"
    )
    message = EmailMessage(
        subject=f"Remittance advice #{advice.remittance_id}: {amount} paid",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_address],
    )
    message.attach(advice_filename(advice), advice_pdf(advice), "application/pdf")
    return message


def advice_email_send(*, email_id: int) -> str:
    """One attempt at sending, if the row is due and nobody else holds it; returns its status."""
    now = timezone.now()
    if not _claim(email_id, now):
        return AdviceEmail.objects.filter(pk=email_id).values_list("status", flat=True).first() or "UNKNOWN"
    email = AdviceEmail.objects.get(pk=email_id)
    try:
        advice_email_message(email).send(fail_silently=False)
    except Exception as exc:  # the mail server's or the network's failure: retried later
        attempts = email.attempts + 1
        due = timezone.now() + retry_delay(attempts)
        AdviceEmail.objects.filter(pk=email_id).update(
            attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000], next_attempt_at=due
        )
        logger.warning(
            "Advice e-mail %s (remittance %s) failed, attempt %s: %s",
            email_id,
            email.remittance_id,
            attempts,
            exc,
            extra={"remittance_id": email.remittance_id},
        )
        if attempts < settings.ADVICE_EMAIL_MAX_ATTEMPTS and default_task_backend.supports_defer:
            _enqueue(email_id, run_after=due)
        return AdviceEmailStatus.PENDING
    AdviceEmail.objects.filter(pk=email_id).update(
        status=AdviceEmailStatus.SENT, attempts=email.attempts + 1, sent_at=timezone.now(), last_error=""
    )
    logger.info("Advice of remittance %s e-mailed.", email.remittance_id, extra={"remittance_id": email.remittance_id})
    return AdviceEmailStatus.SENT


def advice_emails_send_due() -> dict[str, int]:
    """Send every PENDING advice e-mail whose retry is due (the sweep); {status: count}."""
    now = timezone.now()
    due = AdviceEmail.objects.filter(
        status=AdviceEmailStatus.PENDING, next_attempt_at__lte=now, attempts__lt=settings.ADVICE_EMAIL_MAX_ATTEMPTS
    ).order_by("pk")
    counts: dict[str, int] = {}
    for email_id in list(due.values_list("pk", flat=True)):
        status = advice_email_send(email_id=email_id)
        counts[status] = counts.get(status, 0) + 1
    return counts
