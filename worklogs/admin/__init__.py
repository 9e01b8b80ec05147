"""Workers, tasks, worklogs, segments and adjustments in the admin.

Every write calls the same service as the API (`worklogs.services`); amounts are the worklog's
running totals, the very fields the API serializes. Items, segments and adjustments are immutable
here: segments change status through actions, adjustments are recorded through a form, nothing is
deleted. The remittance history of a worklog and a worker's balance live in `settlements.admin`,
which extends these classes (worklogs may not import settlements).
"""

from worklogs.admin.adjustments import AdjustmentAdmin
from worklogs.admin.segments import SegmentAdmin
from worklogs.admin.worklogs import TaskAdmin, WorkerAdmin, WorkLogAdmin

__all__ = ["AdjustmentAdmin", "SegmentAdmin", "TaskAdmin", "WorkLogAdmin", "WorkerAdmin"]
