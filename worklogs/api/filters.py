from django_filters import rest_framework as filters

from api.fields import IdFilter
from api.filtersets import StrictFilterSet
from worklogs.models import Segment, Task, Worker, WorkLog, WorkLogRemittanceStatus
from worklogs.selectors import worklogs_in_status


def ExternalIdFilter(model) -> filters.CharFilter:  # noqa: N802 - reads like a filter
    """`?externalId=`: the source's id, matched exactly (one row at most: the column is unique); a value
    longer than the column is a 400, an empty or repeated one too (`StrictFilterSet`)."""
    return filters.CharFilter(field_name="external_id", max_length=model._meta.get_field("external_id").max_length)


class WorkerFilter(StrictFilterSet):
    externalId = ExternalIdFilter(Worker)  # noqa: N815 - the API's own name

    class Meta:
        model = Worker
        fields: list[str] = []


class TaskFilter(StrictFilterSet):
    externalId = ExternalIdFilter(Task)  # noqa: N815

    class Meta:
        model = Task
        fields: list[str] = []


class WorkLogFilter(StrictFilterSet):
    """The filters of `/list-all-worklogs` and `/api/worklogs/`."""

    remittanceStatus = filters.ChoiceFilter(  # noqa: N815
        choices=WorkLogRemittanceStatus.choices, method="filter_status"
    )
    workerId = IdFilter("worker_id")  # noqa: N815
    taskId = IdFilter("task_id")  # noqa: N815
    externalId = ExternalIdFilter(WorkLog)  # noqa: N815

    class Meta:
        model = WorkLog
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        return worklogs_in_status(queryset, remittance_status=value)


class SegmentFilter(StrictFilterSet):
    status = filters.ChoiceFilter(choices=Segment._meta.get_field("status").choices)
    worklogId = IdFilter("worklog_id")  # noqa: N815

    class Meta:
        model = Segment
        fields: list[str] = []
