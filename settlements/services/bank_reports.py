"""A bank's payment-status report (pain.002) applied to the remittances of our SEPA files.

Per transaction, found by its end-to-end id (a `SepaFileEntry`):
- `ACSC`, `ACCC` (settled): a PROCESSING remittance becomes PAID;
- `RJCT`: a PROCESSING remittance becomes FAILED with the bank's reason code (its items are free
  for the next run), a PAID one RETURNED (the bank sent the money back);
- `ACTC`, `ACCP`, `ACSP`, `PDNG` (accepted, not settled): nothing changes, it stays PROCESSING;
- an unknown end-to-end id, another status, or a move the remittance's state forbids: reported,
  nothing changes.

Idempotent on the report's message id: the report is stored (append-only) with its outcomes in the
transaction that applies it; a replay, or a concurrent copy that loses the unique index, answers
the stored outcomes and changes nothing.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from audit.models import Action, ObjectType
from audit.services import Actor, audit_actor, audit_record
from settlements.banking.pain002 import IN_PROGRESS, REJECTED, SETTLED, TransactionStatus, pain002_parse
from settlements.models import BankReport, RemittanceStatus, SepaFileEntry
from settlements.services.remittances import (
    remittance_mark_failed,
    remittance_mark_paid,
    remittance_mark_returned,
)

OUTCOME_PAID = "paid"
OUTCOME_FAILED = "failed"
OUTCOME_RETURNED = "returned"
OUTCOME_PROCESSING = "still_processing"
OUTCOME_UNCHANGED = "unchanged"  # the remittance is already where the status says, or past it
OUTCOME_UNKNOWN = "unknown_end_to_end_id"
OUTCOME_UNSUPPORTED = "unsupported_status"


@dataclass
class BankReportResult:
    report: BankReport
    replayed: bool


def _apply(tx: TransactionStatus, *, actor: Actor) -> dict[str, object]:
    entry = SepaFileEntry.objects.select_related("remittance").filter(end_to_end_id=tx.end_to_end_id).first()
    answer: dict[str, object] = {
        "end_to_end_id": tx.end_to_end_id,
        "status": tx.status,
        "reason_code": tx.reason_code,
        "remittance_id": entry.remittance_id if entry else None,
    }
    if entry is None:
        return {**answer, "outcome": OUTCOME_UNKNOWN}
    remittance = entry.remittance
    current = remittance.status
    if tx.status in SETTLED:
        if current != RemittanceStatus.PROCESSING:
            return {**answer, "outcome": OUTCOME_UNCHANGED}
        remittance_mark_paid(remittance=remittance, provider_reference=remittance.provider_reference, actor=actor)
        return {**answer, "outcome": OUTCOME_PAID}
    if tx.status in REJECTED:
        reason = f"Rejected by the bank (pain.002 {tx.reason_code or 'no reason code'})"
        if current == RemittanceStatus.PROCESSING:
            remittance_mark_failed(remittance=remittance, reason=reason, actor=actor)
            return {**answer, "outcome": OUTCOME_FAILED}
        if current == RemittanceStatus.PAID:
            remittance_mark_returned(
                remittance=remittance,
                reason=f"Returned by the bank (pain.002 {tx.reason_code or 'RJCT'})",
                actor=actor,
                source="pain.002",
            )
            return {**answer, "outcome": OUTCOME_RETURNED}
        return {**answer, "outcome": OUTCOME_UNCHANGED}
    if tx.status in IN_PROGRESS:
        still = current == RemittanceStatus.PROCESSING
        return {**answer, "outcome": OUTCOME_PROCESSING if still else OUTCOME_UNCHANGED}
    return {**answer, "outcome": OUTCOME_UNSUPPORTED}


@transaction.atomic
def _receive(*, raw_body: bytes, message_id: str, transactions: list[TransactionStatus], actor: Actor) -> BankReport:
    outcomes = [_apply(tx, actor=actor) for tx in transactions]
    report = BankReport.objects.create(
        message_id=message_id, raw_body=raw_body, outcomes=outcomes, received_by=audit_actor(actor)
    )
    audit_record(
        actor=actor,
        action=Action.BANK_REPORT_RECEIVED,
        object_type=ObjectType.BANK_REPORT,
        object_id=report.pk,
        changes={"message_id": [None, message_id], "outcomes": [None, outcomes]},
    )
    return report


def bank_report_receive(*, raw_body: bytes, actor: Actor) -> BankReportResult:
    """Parse (400 for anything but a well-formed pain.002, before anything is written) and apply once."""
    parsed = pain002_parse(raw_body)
    stored = BankReport.objects.filter(message_id=parsed.message_id).first()
    if stored is not None:
        return BankReportResult(report=stored, replayed=True)
    try:
        report = _receive(
            raw_body=raw_body, message_id=parsed.message_id, transactions=parsed.transactions, actor=actor
        )
    except IntegrityError:
        # A copy of this report committed first: everything this one did was rolled back with it.
        stored = BankReport.objects.filter(message_id=parsed.message_id).first()
        if stored is None:
            raise
        return BankReportResult(report=stored, replayed=True)
    return BankReportResult(report=report, replayed=False)
