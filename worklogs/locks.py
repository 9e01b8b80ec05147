"""Row locks of worklogs, in the project's one lock order (docs/ARCHITECTURE.md):

    worker -> remittance -> worklog -> segment -> payout submission

A worklog service locks its worker, then the worklog, then the segment; never the reverse.
"""

from worklogs.models import Segment, Worker, WorkLog


def lock_worker(worker_id: int) -> Worker:
    return Worker.objects.select_for_update().get(pk=worker_id)


def lock_worklog(worklog_id: int) -> WorkLog:
    return WorkLog.objects.select_for_update().get(pk=worklog_id)


def lock_segment(segment_id: int) -> Segment:
    return Segment.objects.select_for_update().get(pk=segment_id)
