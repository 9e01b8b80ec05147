"""ISO 20022 `pain.002.001.03` customer payment-status reports, read with a hardened parser.

defusedxml refuses any DTD (`forbid_dtd`), so entity expansion ("billion laughs") and external
entities never reach the parser's expansion; anything that is not well-formed XML, or not a
payment-status report, is `InvalidInput` (400, nothing written). Elements are matched by their
local name, so a report in the 001.03 namespace or without one reads alike.
"""

from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from core.errors import InvalidInput

SETTLED = {"ACSC", "ACCC"}
REJECTED = {"RJCT"}
IN_PROGRESS = {"ACTC", "ACCP", "ACSP", "PDNG"}


@dataclass(frozen=True)
class TransactionStatus:
    end_to_end_id: str
    status: str
    reason_code: str


@dataclass(frozen=True)
class StatusReport:
    message_id: str
    original_message_id: str
    transactions: list[TransactionStatus]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element, *path: str) -> Element | None:
    for name in path:
        found = next((c for c in element if _local(c.tag) == name), None)
        if found is None:
            return None
        element = found
    return element


def _text(element: Element, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def pain002_parse(raw: bytes) -> StatusReport:
    if not raw:
        raise InvalidInput("The body is empty: a pain.002.001.03 payment-status report is expected.", code="xml")
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InvalidInput(f"XML refused: {type(exc).__name__} (no DTD or entities allowed).", code="xml") from None
    except ParseError as exc:
        raise InvalidInput(f"Malformed XML: {exc}.", code="xml") from None
    report = _child(root, "CstmrPmtStsRpt")
    if _local(root.tag) != "Document" or report is None:
        raise InvalidInput("Not a pain.002 payment-status report (Document/CstmrPmtStsRpt).", code="xml")
    message_id = _text(report, "GrpHdr", "MsgId")
    if not message_id or len(message_id) > 35:
        raise InvalidInput("The report has no valid GrpHdr/MsgId (1 to 35 characters).", code="xml")
    transactions = []
    for payment in (c for c in report if _local(c.tag) == "OrgnlPmtInfAndSts"):
        for tx in (c for c in payment if _local(c.tag) == "TxInfAndSts"):
            end_to_end_id = _text(tx, "OrgnlEndToEndId")
            status = _text(tx, "TxSts")
            if not end_to_end_id or not status:
                raise InvalidInput("Every TxInfAndSts needs an OrgnlEndToEndId and a TxSts.", code="xml")
            transactions.append(
                TransactionStatus(
                    end_to_end_id=end_to_end_id[:35],
                    status=status.upper()[:4],
                    reason_code=_text(tx, "StsRsnInf", "Rsn", "Cd")[:4],
                )
            )
    return StatusReport(
        message_id=message_id,
        original_message_id=_text(report, "OrgnlGrpInfAndSts", "OrgnlMsgId"),
        transactions=transactions,
    )
