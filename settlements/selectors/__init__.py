"""Every read of settlements, computed in SQL: eligibility and the run preview, balances, runs and
remittances, statements, and the audit that recomputes every cached total."""

from settlements.selectors.balances import worker_balance
from settlements.selectors.eligibility import (
    PreviewTotal,
    SettlementPreview,
    default_period_end,
    eligible_totals_by_worker,
    items_eligible,
    items_unsettled,
    settlement_preview,
    settlement_preview_totals,
    workers_with_live_remittance,
)
from settlements.selectors.runs import (
    remittance_list,
    remittance_totals,
    remittance_worklog_amounts,
    run_list,
    run_totals,
    runs_by_approval,
    runs_stalled,
    runs_summaries,
    worklog_remittance_history,
)
from settlements.selectors.statement import worker_statement

__all__ = [
    "PreviewTotal",
    "SettlementPreview",
    "default_period_end",
    "eligible_totals_by_worker",
    "items_eligible",
    "items_unsettled",
    "remittance_list",
    "remittance_totals",
    "remittance_worklog_amounts",
    "run_list",
    "run_totals",
    "runs_by_approval",
    "runs_stalled",
    "runs_summaries",
    "settlement_preview",
    "settlement_preview_totals",
    "worker_balance",
    "worker_statement",
    "workers_with_live_remittance",
    "worklog_remittance_history",
]
