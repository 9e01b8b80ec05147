from django_filters import rest_framework as filters

from api.fields import IdFilter
from api.filtersets import StrictFilterSet
from worklogs.models import Segment, Worker, WorkLog, WorkLogRemittanceStatus
from worklogs.selectors import worklogs_in_status


class WorkerFilter(StrictFilterSet):
    externalId = filters.CharFilter(field_name="external_id")  # noqa: N815 - the API's own name

    class Meta:
        model = Worker
        fields: list[str] = []


class WorkLogFilter(StrictFilterSet):
    """The filters of `/list-all-worklogs` and `/api/worklogs/`."""

    remittanceStatus = filters.ChoiceFilter(  # noqa: N815
        choices=WorkLogRemittanceStatus.choices, method="filter_status"
    )
    workerId = IdFilter("worker_id")  # noqa: N815
    taskId = IdFilter("task_id")  # noqa: N815
    externalId = filters.CharFilter(field_name="external_id")  # noqa: N815

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
