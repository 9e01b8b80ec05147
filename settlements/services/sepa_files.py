"""SEPA credit-transfer files: the next pain.001 file of an approved run.

A file pays the run's remittances that are payable now (`run_sepa_candidates`: PENDING, EUR, no
submission yet, payee confirmed) and none twice: each gets a payout submission (gateway
`sepa_file`, SUBMITTED at once: handing the file to the bank is finance's step) whose id is the
transfer's end-to-end id, and moves to PROCESSING, all in the file's transaction. A remittance is in
one file at most (unique `SepaFileEntry.remittance`, and one submission per remittance), so two
requests racing for the same run cannot both pay it: the second waits for the workers' locks and
then finds those remittances PROCESSING.

Locks (`settlements.locks`, the one order): the included remittances' workers, then each remittance.
"""

import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import Action, ObjectType
from audit.services import Actor, audit_actor, audit_record
from core.errors import Conflict, InvalidInput
from core.money import format_money
from settlements.banking.accounts import bank_account_parse
from settlements.banking.pain001 import CURRENCY, Debtor, Transfer, pain001_build
from settlements.locks import lock_workers
from settlements.models import (
    PayoutDestination,
    PayoutSubmission,
    PayoutSubmissionStatus,
    Remittance,
    RunStatus,
    SepaFile,
    SepaFileEntry,
    SettlementRun,
)
from settlements.selectors.payees import run_sepa_candidates
from settlements.services.remittances import remittance_mark_processing

SEPA_FILE_GATEWAY = "sepa_file"


class NothingPayable(Conflict):
    """409: no remittance of the run is payable by a new file; `excluded` says why each is left out."""

    code = "nothing_payable"

    def __init__(self, message: str, *, excluded: list[dict[str, object]]) -> None:
        super().__init__(message)
        self.excluded = excluded


@dataclass
class SepaFileResult:
    file: SepaFile
    excluded: list[dict[str, object]] = field(default_factory=list)


def payout_debtor() -> Debtor:
    """The account files pay from, from settings; 409 `debtor_not_configured` when it is incomplete or invalid."""
    name, iban, bic = settings.PAYOUT_DEBTOR_NAME, settings.PAYOUT_DEBTOR_IBAN, settings.PAYOUT_DEBTOR_BIC
    if not (name and iban and bic):
        raise Conflict(
            "SEPA files need the paying account: set PAYOUT_DEBTOR_NAME, PAYOUT_DEBTOR_IBAN and PAYOUT_DEBTOR_BIC.",
            code="debtor_not_configured",
        )
    try:
        account = bank_account_parse(account_holder=name, iban=iban, bic=bic)
    except InvalidInput as exc:
        raise Conflict(f"PAYOUT_DEBTOR_* is invalid: {exc.message}", code="debtor_not_configured") from None
    return Debtor(name=account.account_holder, iban=account.iban, bic=account.bic)


def sepa_file_check_run(*, run: SettlementRun) -> None:
    """409 unless the run may be exported: COMPLETED and approved (or created with approval off)."""
    if run.awaiting_approval:
        raise Conflict(f"Run {run.pk} is not approved: its payouts go into no bank file yet.", code="run_not_approved")
    if run.status != RunStatus.COMPLETED:
        raise Conflict(
            f"Run {run.pk} is {run.shown_status}: only a COMPLETED run is exported.", code="run_not_completed"
        )


def _remittance_information(remittance: Remittance) -> str:
    return f"WorkLog payout to {remittance.period_end.isoformat()} (remittance {remittance.pk})"


@transaction.atomic
def sepa_file_create(*, run: SettlementRun, actor: Actor) -> SepaFileResult:
    """The run's next pain.001 file, or `NothingPayable` (409) when nothing became payable since the last."""
    sepa_file_check_run(run=run)
    debtor = payout_debtor()
    locked = set(lock_workers(r.worker_id for r in run_sepa_candidates(run_id=run.pk).payable))
    # Again under the workers' locks: what a concurrent file took is PROCESSING now, so left out.
    candidates = run_sepa_candidates(run_id=run.pk)
    excluded = candidates.excluded
    payable = [r for r in candidates.payable if r.worker_id in locked]  # one confirmed meanwhile: next file
    if not payable:
        raise NothingPayable(f"Run {run.pk} has no remittance a new SEPA file could pay.", excluded=excluded)

    now = timezone.now()
    destinations = PayoutDestination.objects.in_bulk([candidates.destination_ids[r.pk] for r in payable])
    submissions = PayoutSubmission.objects.bulk_create(
        [
            PayoutSubmission(
                remittance=r,
                idempotency_key=uuid.uuid4().hex,
                gateway=SEPA_FILE_GATEWAY,
                status=PayoutSubmissionStatus.SUBMITTED,
                attempts=1,
                submitted_at=now,
            )
            for r in payable
        ]
    )
    transfers = []
    for remittance, submission in zip(payable, submissions, strict=True):
        destination = destinations[candidates.destination_ids[remittance.pk]]
        transfers.append(
            Transfer(
                end_to_end_id=str(submission.pk),
                amount=remittance.amount,
                creditor_name=destination.account_holder,
                creditor_iban=destination.iban,
                creditor_bic=destination.bic,
                remittance_information=_remittance_information(remittance),
            )
        )
    built = pain001_build(debtor=debtor, transfers=transfers, execution_date=timezone.localdate())
    total = sum((r.amount for r in payable), start=payable[0].amount * 0)
    sepa_file = SepaFile.objects.create(
        run=run,
        message_id=built.message_id,
        content=built.content,
        transaction_count=len(payable),
        control_sum=total,
        currency=CURRENCY,
        excluded=excluded,
        created_by=audit_actor(actor),
    )
    SepaFileEntry.objects.bulk_create(
        [
            SepaFileEntry(
                file=sepa_file,
                remittance=remittance,
                submission=submission,
                destination=destinations[candidates.destination_ids[remittance.pk]],
                end_to_end_id=transfer.end_to_end_id,
                amount=remittance.amount,
            )
            for remittance, submission, transfer in zip(payable, submissions, transfers, strict=True)
        ]
    )
    for remittance, submission in zip(payable, submissions, strict=True):
        reference = f"{built.message_id}/{submission.pk}"
        PayoutSubmission.objects.filter(pk=submission.pk).update(provider_reference=reference)
        remittance_mark_processing(remittance=remittance, provider_reference=reference, actor=actor)
    audit_record(
        actor=actor,
        action=Action.SEPA_FILE_CREATED,
        object_type=ObjectType.SEPA_FILE,
        object_id=sepa_file.pk,
        changes={
            "run_id": [None, run.pk],
            "message_id": [None, built.message_id],
            "transactions": [None, len(payable)],
            "control_sum": [None, format_money(total)],
            "remittance_ids": [None, [r.pk for r in payable]],
            "excluded": [None, excluded],
        },
    )
    return SepaFileResult(file=sepa_file, excluded=excluded)
