"""Settlement services: runs (`runs`), starting and resuming them (`run_control`) and the remittance
state machine (`remittances`). Modules below this package (the payout outbox and events) import the
module they need (`settlements.services.remittances`), never this package."""

from settlements.services.remittances import (
    remittance_cancel,
    remittance_mark_failed,
    remittance_mark_paid,
    remittance_mark_processing,
)
from settlements.services.run_control import settlement_run_enqueue, settlement_run_resume, settlement_run_start
from settlements.services.runs import settlement_generate, settlement_run_create, settlement_run_execute

__all__ = [
    "remittance_cancel",
    "remittance_mark_failed",
    "remittance_mark_paid",
    "remittance_mark_processing",
    "settlement_generate",
    "settlement_run_create",
    "settlement_run_enqueue",
    "settlement_run_execute",
    "settlement_run_resume",
    "settlement_run_start",
]
