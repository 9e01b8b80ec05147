"""Every state change of workers, worklogs, segments and adjustments.

Each service is atomic and takes its row locks through `worklogs.locks`, in the project's one lock
order (docs/ARCHITECTURE.md), so two services can never deadlock. Items are only created by
`items.item_add`, under the worklog lock, which is what makes "cents = round(total after) -
round(total before), in creation order" hold.
"""

from worklogs.services.adjustments import adjustment_check_external_id, adjustment_record, adjustment_record_once
from worklogs.services.segments import (
    segment_adjust,
    segment_check_action,
    segment_dispute,
    segment_record,
    segment_remove,
    segment_resolve,
)
from worklogs.services.workers import task_create, worker_create, worker_update, worklog_create, worklog_rate_change

__all__ = [
    "adjustment_check_external_id",
    "adjustment_record",
    "adjustment_record_once",
    "segment_adjust",
    "segment_check_action",
    "segment_dispute",
    "segment_record",
    "segment_remove",
    "segment_resolve",
    "task_create",
    "worker_create",
    "worker_update",
    "worklog_create",
    "worklog_rate_change",
]
