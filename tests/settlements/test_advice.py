"""The remittance advice: its data (one selector for the PDF and the admin page), the PDF read back
with pypdf, and who may download it (API.md roles: finance any, a worker their own, others 403/404)."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from settlements.advice.pdf import advice_pdf, latin1
from settlements.models import Remittance
from settlements.selectors.advice import remittance_advice
from tests.settlements import dashboard_data
from tests.support.factories import UserFactory
from worklogs.models import Worker

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def known():
    return dashboard_data.build(with_operations=False)


def _advice(remittance: Remittance):
    return remittance_advice(remittance=Remittance.objects.select_related("worker").get(pk=remittance.pk))


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_advice_nets_an_unpaid_removal_and_lists_the_deduction_with_its_reason(known):
    remittance = Remittance.objects.select_related("worker").get(pk=known.alice_october.pk)
    with CaptureQueriesContext(connection) as captured:
        advice = remittance_advice(remittance=remittance)
    assert len(captured) == 2  # its claims, its destination account
    assert (advice.amount, advice.currency, advice.status) == (D("7.50"), "USD", "PAID")
    assert advice.account_last_four == "3000"  # Alice's confirmed IBAN
    assert advice.provider_reference == "BANK-REF-1"
    # 4 segments (1h + 1h) of which the 1h logged twice was removed before payment: 1.00 h, 10.00.
    [line] = advice.worklogs
    assert (line.task, line.hours, line.amount) == ("Translate manual", D("1.00"), D("10.00"))
    [deduction] = advice.corrections
    assert (deduction.label, deduction.amount, deduction.reason) == ("Deduction", D("-2.50"), "Late delivery")
    assert advice.lines_total == advice.amount
    assert (str(advice.first_work_date), str(advice.last_work_date)) == ("2024-10-05", "2024-10-06")


def test_advice_lists_a_clawback_of_paid_work_with_its_reason(known):
    advice = _advice(known.alice_november)
    assert advice.amount == D("6.67")
    [line] = advice.worklogs
    assert (line.hours, line.amount) == (D("1.00"), D("10.00"))
    [clawback] = advice.corrections
    assert (clawback.label, clawback.amount, clawback.reason) == ("Clawback", D("-3.33"), "Duplicate entry")
    assert (clawback.hours, str(clawback.work_date)) == (D("-0.33"), "2024-10-05")
    assert advice.lines_total == D("6.67")


def test_the_pdf_reads_back_with_the_period_amounts_reasons_and_status(known):
    text = pdf_text(advice_pdf(_advice(known.alice_november)))
    for expected in (
        f"Remittance advice #{known.alice_november.pk}",
        "Alice Martin",
        "up to 2024-11-30",
        "6.67 USD",
        "PENDING",
        "Translate manual",
        "10.00",
        "Clawback",
        "Duplicate entry",
        "-3.33",
        "Total paid: 6.67 USD",
        "ending in 3000",
    ):
        assert expected in text, expected


def test_the_pdf_writes_names_beyond_latin1_without_failing(known):
    Worker.objects.filter(pk=known.alice_october.worker_id).update(name="Łucja Żak 王")
    text = pdf_text(advice_pdf(_advice(known.alice_october)))
    assert "ucja" in text and "7.50 USD" in text
    # Accents dropped where Unicode decomposes the letter (Ż), "?" where it does not (Ł, 王).
    assert latin1("Chloé Żak Łucja 王") == "Chloé Zak ?ucja ?"


def _pdf_url(remittance) -> str:
    return f"/api/remittances/{remittance.pk}/advice.pdf"


def test_finance_downloads_any_advice_as_a_pdf(api, known):
    response = api.get(_pdf_url(known.chloe_october))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="remittance-{known.chloe_october.pk}-2024-10-31-advice.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "10.00 EUR" in text and "PROCESSING" in text and "PSP-9" in text
    assert "Destination account not recorded" in text  # Chloé has no bank details


def test_a_worker_user_downloads_their_own_advice_and_not_anothers(make_client, known):
    login = UserFactory()
    Worker.objects.filter(pk=known.alice_october.worker_id).update(user=login)
    client = make_client(login)
    assert client.get(_pdf_url(known.alice_october)).status_code == 200
    response = client.get(_pdf_url(known.bob_october))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_a_user_with_no_role_is_refused_and_anonymous_must_log_in(make_client, plain_user, anon_client, known):
    response = make_client(plain_user).get(_pdf_url(known.alice_october), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 403
    assert "detail" in response.json()
    assert anon_client.get(_pdf_url(known.alice_october)).status_code == 401


def test_an_unknown_remittance_is_404(api, known):
    assert api.get("/api/remittances/999999/advice.pdf").status_code == 404


def test_the_schema_documents_the_pdf(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/remittances/{id}/advice.pdf"]["get"]
    assert "application/pdf" in operation["responses"]["200"]["content"]
    assert {"403", "404"} <= set(operation["responses"])
