"""pain.002 payment-status reports: applied once per message id, each transaction by its end-to-end id."""

import pytest

from audit.models import AuditEvent
from settlements.models import BankReport, Remittance, RemittanceEvent, SepaFileEntry
from tests.settlements.banking.helpers import confirm
from tests.settlements.banking.sepa_support import approve, mixed_run, sepa_post
from tests.support.api_helpers import get_remittance
from tests.support.factories import FinanceUserFactory

pytestmark = pytest.mark.django_db

NS = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"


def pain002(message_id: str, transactions: list[tuple[str, str, str]]) -> bytes:
    txs = "".join(
        f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>{status}</TxSts>"
        + (f"<StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn></StsRsnInf>" if reason else "")
        + "</TxInfAndSts>"
        for e2e, status, reason in transactions
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{NS}"><CstmrPmtStsRpt>'
        f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2024-11-02T10:00:00</CreDtTm></GrpHdr>"
        "<OrgnlGrpInfAndSts><OrgnlMsgId>X</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId></OrgnlGrpInfAndSts>"
        f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>P</OrgnlPmtInfId>{txs}</OrgnlPmtInfAndSts>"
        "</CstmrPmtStsRpt></Document>"
    ).encode()


def post_report(client, body: bytes, content_type: str = "application/xml"):
    return client.generic("POST", "/api/bank-reports/", body, content_type=content_type)


@pytest.fixture
def filed(api, make_client, debtor):
    """Two files of one approved run: Ada and Bob in the first, Cyd (confirmed late) in the second."""
    data = mixed_run(api, make_client)
    approve(data["run"]["id"])
    assert sepa_post(api, data["run"]["id"]).status_code == 201
    confirm(make_client(FinanceUserFactory()), data["workers"]["cyd"])
    assert sepa_post(api, data["run"]["id"]).status_code == 201
    r = data["remittances"]
    e2e = {k: SepaFileEntry.objects.get(remittance_id=r[k]["id"]).end_to_end_id for k in "abc"}
    return {**data, "e2e": e2e}


def test_settled_rejected_accepted_and_unknown_transactions_are_applied_once(api, filed):
    r, e2e = filed["remittances"], filed["e2e"]
    unknown = ("42424242", "ACCC", "")
    body = pain002("BANK-1", [(e2e["a"], "ACSC", ""), (e2e["b"], "RJCT", "AC04"), (e2e["c"], "ACTC", ""), unknown])

    response = post_report(api, body)

    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["messageId"], answer["replayed"]) == ("BANK-1", False)
    assert [(t["endToEndId"], t["remittanceId"], t["outcome"]) for t in answer["transactions"]] == [
        (e2e["a"], r["a"]["id"], "paid"),
        (e2e["b"], r["b"]["id"], "failed"),
        (e2e["c"], r["c"]["id"], "still_processing"),
        ("42424242", None, "unknown_end_to_end_id"),
    ]
    assert answer["transactions"][1]["reasonCode"] == "AC04"
    assert get_remittance(api, r["a"]["id"])["status"] == "PAID"
    failed = get_remittance(api, r["b"]["id"])
    assert failed["status"] == "FAILED" and "AC04" in failed["statusReason"]
    assert get_remittance(api, r["c"]["id"])["status"] == "PROCESSING"
    event = AuditEvent.objects.get(action="bank_report.received")
    assert event.actor_username == api.user.username

    # A replay answers the stored outcomes and changes nothing.
    events_before = RemittanceEvent.objects.count()
    replay = post_report(api, body)
    assert replay.status_code == 200
    assert replay.json()["replayed"] is True
    assert replay.json()["transactions"] == answer["transactions"]
    assert (RemittanceEvent.objects.count(), BankReport.objects.count()) == (events_before, 1)
    assert AuditEvent.objects.filter(action="bank_report.received").count() == 1


def test_a_rejection_after_paid_returns_the_payout(api, filed):
    r, e2e = filed["remittances"], filed["e2e"]
    assert post_report(api, pain002("BANK-1", [(e2e["a"], "ACCC", "")])).status_code == 201
    response = post_report(api, pain002("BANK-2", [(e2e["a"], "RJCT", "MD06")]))
    assert response.json()["transactions"][0]["outcome"] == "returned"
    returned = get_remittance(api, r["a"]["id"])
    assert returned["status"] == "RETURNED" and "MD06" in returned["statusReason"]
    # A settlement for a remittance already past PROCESSING changes nothing.
    again = post_report(api, pain002("BANK-3", [(e2e["a"], "ACSC", "")]))
    assert again.json()["transactions"][0]["outcome"] == "unchanged"
    assert get_remittance(api, r["a"]["id"])["status"] == "RETURNED"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document><CstmrPmtStsRpt><GrpHdr><MsgId>&lol3;</MsgId></GrpHdr></CstmrPmtStsRpt></Document>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document><CstmrPmtStsRpt><GrpHdr><MsgId>&xxe;</MsgId></GrpHdr></CstmrPmtStsRpt></Document>"""


@pytest.mark.parametrize(
    "body",
    [
        b"<Document><CstmrPmtStsRpt>",
        b"not xml at all",
        b"",
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        b"<Document><Other/></Document>",
        b"<Document><CstmrPmtStsRpt><GrpHdr/></CstmrPmtStsRpt></Document>",
    ],
    ids=["truncated", "text", "empty", "billion-laughs", "external-entity", "wrong-message", "no-message-id"],
)
def test_bad_xml_is_400_and_writes_nothing(api, filed, body):
    statuses = list(Remittance.objects.order_by("pk").values_list("status", flat=True))
    response = post_report(api, body)
    assert response.status_code == 400, response.content
    assert not BankReport.objects.exists()
    assert list(Remittance.objects.order_by("pk").values_list("status", flat=True)) == statuses


def test_only_xml_is_accepted_here_and_xml_nowhere_else(api):
    assert post_report(api, b'{"a": 1}', content_type="application/json").status_code == 415
    assert api.generic("POST", "/api/workers/", b"<worker/>", content_type="application/xml").status_code == 415


def test_finance_only(make_client, plain_user):
    assert post_report(make_client(plain_user), pain002("M", [])).status_code == 403
