"""Settlement services: runs (`runs`) and the remittance state machine (`remittances`)."""

from settlements.services.remittances import (
    remittance_cancel,
    remittance_check_transition,
    remittance_mark_failed,
    remittance_mark_paid,
    remittance_mark_processing,
)
from settlements.services.runs import settlement_generate, settlement_run_create, settlement_run_execute

__all__ = [
    "remittance_cancel",
    "remittance_check_transition",
    "remittance_mark_failed",
    "remittance_mark_paid",
    "remittance_mark_processing",
    "settlement_generate",
    "settlement_run_create",
    "settlement_run_execute",
]
