"""Row locks of settlements, in the project's one lock order (docs/ARCHITECTURE.md):

    worker -> remittance -> worklog -> segment -> payout submission

each kind in primary-key order. Every service that creates or frees money locks the worker first,
so two services never deadlock and a settlement chunk sees a worker's items frozen while it works.
"""

from collections.abc import Iterable

from settlements.models import PayoutSubmission, Remittance
from worklogs.locks import lock_worker
from worklogs.models import Worker, WorkLog


def lock_workers(worker_ids: Iterable[int]) -> dict[int, str]:
    """Lock a settlement chunk's workers in primary-key order; returns {worker id: currency}."""
    rows = Worker.objects.filter(pk__in=list(worker_ids)).order_by("pk").select_for_update()
    return dict(rows.values_list("pk", "currency"))


def lock_remittance(remittance_id: int, *, worker_id: int) -> Remittance:
    """Lock a remittance's worker, then the remittance."""
    lock_worker(worker_id)
    return Remittance.objects.select_for_update().get(pk=remittance_id)


def lock_worklogs(worklog_ids: Iterable[int]) -> None:
    """Lock worklogs (of a worker already locked) in primary-key order."""
    list(WorkLog.objects.filter(pk__in=list(worklog_ids)).order_by("pk").select_for_update().values_list("pk"))


def lock_submission(submission_id: int) -> PayoutSubmission:
    """Lock a payout submission (after its remittance)."""
    return PayoutSubmission.objects.select_for_update().get(pk=submission_id)
