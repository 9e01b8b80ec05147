"""The advice e-mailed when a remittance becomes PAID, through a real SMTP server (aiosmtpd) started here.

The payment never depends on the mail server: with it down, the payment commits and the e-mail is
retried later; a worker without an address is skipped and counted."""

import io
import logging
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader

from ops.scheduler import jobs
from settlements import services
from settlements.advice.mail import advice_emails_send_due, retry_delay
from settlements.models import AdviceEmail, AdviceEmailStatus, Remittance, RemittanceStatus
from settlements.selectors.dashboard import advice_emails_failing, advice_emails_skipped
from tests.settlements.dashboard_data import work
from tests.settlements.smtp_server import SMTPServer, free_port
from tests.support.factories import WorkLogFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the e-mail waits for a real commit


@pytest.fixture
def smtp_port(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.ADVICE_EMAIL_ENABLED = True
    settings.DEFAULT_FROM_EMAIL = "payroll@example.com"
    return port


@pytest.fixture
def smtp(smtp_port):
    server = SMTPServer(smtp_port).start()
    yield server
    server.stop()


def pending_remittance(email: str = "alice@example.com") -> Remittance:
    worklog = WorkLogFactory(worker__name="Alice Martin", worker__email=email, hourly_rate=Decimal("10.00"))
    for start in ("09:00", "09:20", "09:40"):  # 3.33 + 3.34 + 3.33
        work(worklog, "2024-10-05", start, 20)
    services.settlement_generate(period_end=date(2024, 10, 31))
    return Remittance.objects.get(worker=worklog.worker)


def test_paid_sends_the_advice_with_its_pdf_to_the_worker(smtp):
    remittance = pending_remittance()
    services.remittance_mark_paid(remittance=remittance, provider_reference="BANK-7")

    [message] = smtp.inbox.messages
    assert message["To"] == "alice@example.com"
    assert message["From"] == "payroll@example.com"
    assert message["Subject"] == f"Remittance advice #{remittance.pk}: 10.00 USD paid"
    body, attachment = message.get_payload()
    assert "We have paid you 10.00 USD for your work up to 2024-10-31" in body.get_payload(decode=True).decode()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"remittance-{remittance.pk}-2024-10-31-advice.pdf"
    text = PdfReader(io.BytesIO(attachment.get_payload(decode=True))).pages[0].extract_text()
    assert "Total paid: 10.00 USD" in text and "PAID" in text and "BANK-7" in text
    sent = AdviceEmail.objects.get(remittance=remittance)
    assert (sent.status, sent.attempts, sent.to_address) == (AdviceEmailStatus.SENT, 1, "alice@example.com")


def test_with_the_mail_server_down_the_payment_commits_and_the_email_is_retried_later(smtp_port, caplog):
    remittance = pending_remittance()
    with caplog.at_level(logging.WARNING, logger="settlements.advice.mail"):
        paid = services.remittance_mark_paid(remittance=remittance)  # nothing listens on smtp_port
    assert paid.status == RemittanceStatus.PAID
    assert Remittance.objects.get(pk=remittance.pk).status == RemittanceStatus.PAID  # committed
    waiting = AdviceEmail.objects.get(remittance=remittance)
    assert (waiting.status, waiting.attempts) == (AdviceEmailStatus.PENDING, 1)
    assert "ConnectionRefusedError" in waiting.last_error
    assert waiting.next_attempt_at > timezone.now() + retry_delay(1) - timedelta(seconds=30)
    assert "failed, attempt 1" in caplog.text
    assert list(advice_emails_failing()) == [waiting]
    assert advice_emails_send_due() == {}  # not due yet

    server = SMTPServer(smtp_port).start()
    try:
        AdviceEmail.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())  # the delay has passed
        assert jobs.advice_emails(timezone.now()) == {AdviceEmailStatus.SENT: 1}  # the scheduler's sweep
    finally:
        server.stop()
    assert len(server.inbox.messages) == 1
    sent = AdviceEmail.objects.get(pk=waiting.pk)
    assert (sent.status, sent.attempts, sent.last_error) == (AdviceEmailStatus.SENT, 2, "")
    assert advice_emails_send_due() == {}  # sent once only


def test_a_worker_without_an_email_is_skipped_and_counted(smtp, caplog):
    remittance = pending_remittance(email="")
    with caplog.at_level(logging.WARNING, logger="settlements.advice.mail"):
        services.remittance_mark_paid(remittance=remittance)
    assert smtp.inbox.messages == []
    skipped = AdviceEmail.objects.get(remittance=remittance)
    assert skipped.status == AdviceEmailStatus.SKIPPED
    assert list(advice_emails_skipped()) == [skipped]
    assert "has no e-mail address" in caplog.text


def test_without_email_settings_nothing_is_sent_and_it_is_logged(smtp, settings, caplog):
    settings.ADVICE_EMAIL_ENABLED = False
    remittance = pending_remittance()
    with caplog.at_level(logging.INFO, logger="settlements.advice.mail"):
        services.remittance_mark_paid(remittance=remittance)
    assert smtp.inbox.messages == []
    assert not AdviceEmail.objects.exists()
    assert "not e-mailed (no EMAIL_URL set)" in caplog.text


def test_a_rolled_back_payment_sends_nothing(smtp):
    remittance = pending_remittance()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.remittance_mark_paid(remittance=remittance)
        raise RuntimeError("the caller's transaction fails after the service")
    assert smtp.inbox.messages == []
    assert Remittance.objects.get(pk=remittance.pk).status == RemittanceStatus.PENDING
    assert not AdviceEmail.objects.exists()


def test_a_failed_payout_sends_no_advice(smtp):
    services.remittance_mark_failed(remittance=pending_remittance(), reason="Bank rejected")
    assert smtp.inbox.messages == [] and not AdviceEmail.objects.exists()
