"""The admin's bank details (entered and confirmed through the services), and the pain.002 upload."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from settlements.models import BankReport, PayoutDestination
from tests.backoffice.admin_helpers import login, messages_of
from tests.settlements.banking.helpers import DE_IBAN
from tests.support.factories import FinanceUserFactory, WorkerFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/settlements/payoutdestination/add/"
CHANGELIST = "/admin/settlements/payoutdestination/"


def test_details_entered_in_the_admin_are_held_until_another_user_confirms(finance, finance_user):
    worker = WorkerFactory(currency="EUR")
    page = f"/admin/worklogs/worker/{worker.pk}/change/"
    assert "Held: the worker has no payout destination" in finance.get(page).content.decode()

    bad = finance.post(ADD, {"worker": worker.pk, "account_holder": "Ada", "iban": "DE00 1234", "bic": ""}, follow=True)
    assert any("Not a valid IBAN" in m for m in messages_of(bad))
    assert not PayoutDestination.objects.exists()

    finance.post(ADD, {"worker": worker.pk, "account_holder": "Ada", "iban": "de89 3704 0044 0532 0130 00", "bic": ""})
    destination = PayoutDestination.objects.get()
    assert (destination.iban, destination.entered_by, destination.confirmed) == (DE_IBAN, finance_user, False)
    assert "awaits confirmation by a second finance user" in finance.get(page).content.decode()

    action = {"action": "confirm", "_selected_action": [destination.pk]}
    refused = finance.post(CHANGELIST, action, follow=True)
    assert any("other than the user who entered them" in m for m in messages_of(refused))
    destination.refresh_from_db()
    assert not destination.confirmed

    login(FinanceUserFactory()).post(CHANGELIST, action)
    destination.refresh_from_db()
    assert destination.confirmed
    assert "Bank details confirmed" in finance.get(page).content.decode()


def test_a_bank_report_is_uploaded_and_a_malformed_one_refused(finance):
    body = (
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>'
        b"<GrpHdr><MsgId>UP-1</MsgId></GrpHdr><OrgnlPmtInfAndSts><TxInfAndSts>"
        b"<OrgnlEndToEndId>404</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts></OrgnlPmtInfAndSts>"
        b"</CstmrPmtStsRpt></Document>"
    )
    page = "/admin/settlements/bankreport/add/"
    assert finance.get(page).status_code == 200
    bad = finance.post(page, {"report": SimpleUploadedFile("r.xml", b"<Document>", content_type="text/xml")})
    assert "Malformed XML" in bad.content.decode()
    assert not BankReport.objects.exists()
    finance.post(page, {"report": SimpleUploadedFile("r.xml", body, content_type="text/xml")})
    report = BankReport.objects.get()
    assert report.outcomes[0]["outcome"] == "unknown_end_to_end_id"
    detail = finance.get(f"/admin/settlements/bankreport/{report.pk}/change/").content.decode()
    assert "unknown_end_to_end_id" in detail
