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


def lock_worker_worklogs(worklog_ids: list[int]) -> dict[int, WorkLog]:
    """Several worklogs of one worker (whose lock the caller holds), in id order, in one query."""
    rows = WorkLog.objects.select_for_update().filter(pk__in=worklog_ids).order_by("pk")
    return {worklog.pk: worklog for worklog in rows}
