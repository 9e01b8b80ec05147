"""`?format=csv` on the worklog lists: every filtered worklog, streamed (`api.csv`)."""

from collections.abc import Iterator

from django.db.models import QuerySet

from api.csv import CSVExportMixin, safe_text, stream_by_key

WORKLOG_HEADER = [
    "worklog id",
    "external id",
    "worker id",
    "worker",
    "worker external id",
    "task id",
    "task",
    "hourly rate",
    "currency",
    "amount",
    "remitted amount",
    "unremitted amount",
    "remittance status",
    "created at",
]


def worklog_csv_rows(queryset: QuerySet) -> Iterator[list]:
    for worklog in stream_by_key(queryset.select_related("worker", "task")):
        yield [
            worklog.pk,
            safe_text(worklog.external_id),
            worklog.worker_id,
            safe_text(worklog.worker.name),
            safe_text(worklog.worker.external_id),
            worklog.task_id,
            safe_text(worklog.task.title),
            worklog.hourly_rate,
            worklog.currency,
            worklog.amount,
            worklog.remitted_amount,
            worklog.unremitted_amount,
            worklog.remittance_status,
            worklog.created_at.isoformat(),
        ]


class WorkLogCSVExportMixin(CSVExportMixin):
    csv_filename = "worklogs.csv"
    csv_header = WORKLOG_HEADER
    csv_rows = staticmethod(worklog_csv_rows)
