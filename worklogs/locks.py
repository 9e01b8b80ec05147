"""Row locks, always taken in this order: worker, then worklog, then segment (never the reverse)."""

from worklogs.models import Segment, Worker, WorkLog


def lock_worker(worker_id: int) -> Worker:
    return Worker.objects.select_for_update().get(pk=worker_id)


def lock_worklog(worklog_id: int) -> WorkLog:
    return WorkLog.objects.select_for_update().get(pk=worklog_id)


def lock_segment(segment_id: int) -> Segment:
    return Segment.objects.select_for_update().get(pk=segment_id)
