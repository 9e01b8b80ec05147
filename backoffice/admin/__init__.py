"""Every ModelAdmin of the project, registered when Django's admin autodiscovers this module.

Every write calls the same service as the API, so the admin can never pay twice or lose a cent;
money rows are read-only and undeletable here.
"""

from backoffice.admin import (
    accounts,
    adjustments,
    audit,
    banking,
    jobs,
    ledger,
    payouts,
    remittances,
    runs,
    segments,
    workers,
    worklogs,
)

__all__ = [
    "accounts",
    "adjustments",
    "audit",
    "banking",
    "jobs",
    "ledger",
    "payouts",
    "remittances",
    "runs",
    "segments",
    "workers",
    "worklogs",
]
