from django_filters import rest_framework as filters

from api.fields import DayFilter, IdFilter
from api.filtersets import StrictFilterSet
from settlements.models import Remittance, RemittanceStatus


class RemittanceFilter(StrictFilterSet):
    workerId = IdFilter("worker_id")  # noqa: N815 - the API's own name
    status = filters.ChoiceFilter(choices=RemittanceStatus.choices)
    periodEnd = DayFilter(field_name="period_end")  # noqa: N815
    runId = IdFilter("run_id")  # noqa: N815

    class Meta:
        model = Remittance
        fields: list[str] = []
