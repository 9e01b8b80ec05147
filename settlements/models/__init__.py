"""The settlements app's models, one module per concern: runs and their chunks (`runs`), remittances
and claims (`remittances`, whose docstring lists the invariants the database enforces), the payout
outbox and provider events (`submissions`), advice e-mails (`advice`), and bank details, SEPA files
and bank reports (`settlements.banking.models`). Everything is importable from here."""

# isort: off
# The models in the order they were always registered (the order of tables in schema.dbml).
from settlements.models.runs import (
    APPROVAL_APPROVED,
    APPROVAL_NOT_REQUIRED,
    APPROVAL_PENDING,
    APPROVAL_REJECTED,
    APPROVAL_STATES,
    RUN_STALLED,
    RunStatus,
    SettlementRun,
    SettlementRunChunk,
)
from settlements.models.remittances import (
    LIVE_REMITTANCE_STATUSES,
    OPEN_REMITTANCE_STATUSES,
    RELEASED_REMITTANCE_STATUSES,
    REMITTANCE_TRANSITIONS,
    Claim,
    Remittance,
    RemittanceEvent,
    RemittanceStatus,
)
from settlements.models.submissions import (
    OPEN_SUBMISSION_STATUSES,
    PayoutSubmission,
    PayoutSubmissionStatus,
    ProcessorEvent,
    new_idempotency_key,
)
from settlements.models.advice import AdviceEmail, AdviceEmailStatus

# Bank details, SEPA files and bank reports: their own module, part of this app (see its docstring).
from settlements.banking.models import BankReport, PayoutDestination, SepaFile, SepaFileEntry
# isort: on

__all__ = [
    "APPROVAL_APPROVED",
    "APPROVAL_NOT_REQUIRED",
    "APPROVAL_PENDING",
    "APPROVAL_REJECTED",
    "APPROVAL_STATES",
    "LIVE_REMITTANCE_STATUSES",
    "OPEN_REMITTANCE_STATUSES",
    "OPEN_SUBMISSION_STATUSES",
    "RELEASED_REMITTANCE_STATUSES",
    "REMITTANCE_TRANSITIONS",
    "RUN_STALLED",
    "AdviceEmail",
    "AdviceEmailStatus",
    "BankReport",
    "Claim",
    "PayoutDestination",
    "PayoutSubmission",
    "PayoutSubmissionStatus",
    "ProcessorEvent",
    "Remittance",
    "RemittanceEvent",
    "RemittanceStatus",
    "RunStatus",
    "SepaFile",
    "SepaFileEntry",
    "SettlementRun",
    "SettlementRunChunk",
    "new_idempotency_key",
]
