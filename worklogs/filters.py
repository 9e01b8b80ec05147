from django_filters import rest_framework as filters

from config.fields import IdFilter
from config.filtersets import StrictFilterSet
from worklogs.models import Segment, Worker, WorkLog
from worklogs.selectors import REMITTED_Q


class WorkerFilter(StrictFilterSet):
    externalId = filters.CharFilter(field_name="external_id")  # noqa: N815 - the API's own name

    class Meta:
        model = Worker
        fields = []


class WorkLogFilter(StrictFilterSet):
    """The filters of `/list-all-worklogs` and `/api/worklogs/`."""

    remittanceStatus = filters.ChoiceFilter(  # noqa: N815
        choices=[("REMITTED", "REMITTED"), ("UNREMITTED", "UNREMITTED")], method="filter_status"
    )
    workerId = IdFilter("worker_id")  # noqa: N815
    taskId = IdFilter("task_id")  # noqa: N815
    externalId = filters.CharFilter(field_name="external_id")  # noqa: N815

    class Meta:
        model = WorkLog
        fields = []

    def filter_status(self, queryset, name, value):
        return queryset.filter(REMITTED_Q) if value == "REMITTED" else queryset.exclude(REMITTED_Q)


class SegmentFilter(StrictFilterSet):
    status = filters.ChoiceFilter(choices=Segment._meta.get_field("status").choices)
    worklogId = IdFilter("worklog_id")  # noqa: N815

    class Meta:
        model = Segment
        fields = []
