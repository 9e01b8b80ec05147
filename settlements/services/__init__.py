"""Settlement services: runs (`runs`), their four-eyes approval (`approvals`), the remittance state
machine (`remittances`) and the payout submissions a run writes (`submissions`). They change state
and return what they changed; what must wait for a commit (calling a provider) is scheduled by
`settlements.tasks`."""

from settlements.services.approvals import (
    settlement_run_approve,
    settlement_run_check_decision,
    settlement_run_check_export,
    settlement_run_reject,
)
from settlements.services.remittances import (
    remittance_cancel,
    remittance_check_transition,
    remittance_mark_failed,
    remittance_mark_paid,
    remittance_mark_processing,
    remittance_mark_returned,
)
from settlements.services.run_lease import RunCompleted, RunInProgress, settlement_run_resumable
from settlements.services.runs import settlement_generate, settlement_run_create, settlement_run_execute

__all__ = [
    "RunCompleted",
    "RunInProgress",
    "remittance_cancel",
    "remittance_check_transition",
    "remittance_mark_failed",
    "remittance_mark_paid",
    "remittance_mark_processing",
    "remittance_mark_returned",
    "settlement_generate",
    "settlement_run_approve",
    "settlement_run_check_decision",
    "settlement_run_check_export",
    "settlement_run_create",
    "settlement_run_execute",
    "settlement_run_reject",
    "settlement_run_resumable",
]
