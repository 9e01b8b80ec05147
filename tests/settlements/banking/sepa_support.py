"""Shared by the SEPA tests: a run with payees in every state, approved by a second user, and the
official XSD to validate files against (sepaxml ships it)."""

from decimal import Decimal
from pathlib import Path

import defusedxml.ElementTree as SafeET
import sepaxml
import xmlschema

from settlements.models import SettlementRun
from settlements.services.approvals import settlement_run_approve
from tests.settlements.banking.helpers import DE_IBAN, FR_IBAN, NL_IBAN, confirmed_destination, destination
from tests.support.api_helpers import generate, new_worklog, record, remittance_of, ts
from tests.support.factories import FinanceUserFactory

PAIN001_XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
OCT = "2024-10-31"


def worker_owed(api, *, rate: str, minutes: int = 60, currency: str = "EUR") -> dict:
    wl = new_worklog(api, rate=rate, currency=currency)
    record(api, wl["id"], ts("2024-10-03"), minutes)
    return wl


def mixed_run(api, make_client) -> dict:
    """Five workers: two EUR payees confirmed (10.00 and 12.35), one EUR unconfirmed (7.50), one EUR
    without details (5.00), one USD confirmed (20.00). The run is generated, not approved."""
    ada = worker_owed(api, rate="10.00")
    bob = worker_owed(api, rate="24.70", minutes=30)  # 12.35
    cyd = worker_owed(api, rate="7.50")
    dee = worker_owed(api, rate="5.00")
    usd = worker_owed(api, rate="20.00", currency="USD")
    confirmed_destination(api, make_client, ada["workerId"], holder="Ada Lovelace")
    confirmed_destination(api, make_client, bob["workerId"], iban=FR_IBAN, bic="", holder="Bob Müller")
    destination(api, cyd["workerId"], iban=NL_IBAN, bic="ABNANL2A", holder="Cyd")
    confirmed_destination(api, make_client, usd["workerId"], iban=DE_IBAN, holder="Usd Worker")
    run = generate(api, OCT)
    r = {name: remittance_of(run, wl["workerId"]) for name, wl in zip("abcdu", [ada, bob, cyd, dee, usd], strict=True)}
    return {"run": run, "remittances": r, "workers": {"cyd": cyd["workerId"]}}


def approve(run_id: int) -> None:
    settlement_run_approve(run=SettlementRun.objects.get(pk=run_id), actor=FinanceUserFactory())


def sepa_post(client, run_id: int):
    return client.post(f"/api/settlement-runs/{run_id}/sepa-files/")


def parse_pain001(content: bytes) -> dict:
    """The file validated against the official XSD, then read back: header totals and transfers."""
    xmlschema.XMLSchema(str(PAIN001_XSD)).validate(content.decode())
    root = SafeET.fromstring(content)
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    transfers = [
        {
            "endToEndId": tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS),
            "amount": Decimal(tx.findtext("p:Amt/p:InstdAmt", namespaces=NS)),
            "currency": tx.find("p:Amt/p:InstdAmt", NS).get("Ccy"),
            "name": tx.findtext("p:Cdtr/p:Nm", namespaces=NS),
            "iban": tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
        }
        for tx in root.iterfind(".//p:CdtTrfTxInf", NS)
    ]
    return {
        "messageId": header.findtext("p:MsgId", namespaces=NS),
        "count": int(header.findtext("p:NbOfTxs", namespaces=NS)),
        "controlSum": Decimal(header.findtext("p:CtrlSum", namespaces=NS)),
        "debtorIban": root.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS),
        "transfers": transfers,
    }
