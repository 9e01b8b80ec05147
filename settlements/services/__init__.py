"""Settlement services: runs (`runs`) and the remittance state machine (`remittances`)."""

from settlements.services.remittances import (
    remittance_cancel,
    remittance_mark_failed,
    remittance_mark_paid,
    remittance_mark_processing,
)
from settlements.services.run_lease import RunCompleted, RunInProgress, settlement_run_resumable
from settlements.services.runs import settlement_generate, settlement_run_create, settlement_run_execute

__all__ = [
    "RunCompleted",
    "RunInProgress",
    "remittance_cancel",
    "remittance_mark_failed",
    "remittance_mark_paid",
    "remittance_mark_processing",
    "settlement_generate",
    "settlement_run_create",
    "settlement_run_execute",
    "settlement_run_resumable",
]
