from django_filters import rest_framework as filters

from api.fields import IdFilter
from settlements.models import Remittance, RemittanceStatus


class RemittanceFilter(filters.FilterSet):
    workerId = IdFilter("worker_id")  # noqa: N815 - the API's own name
    status = filters.ChoiceFilter(choices=RemittanceStatus.choices)
    periodEnd = filters.DateFilter(field_name="period_end")  # noqa: N815
    runId = IdFilter("run_id")  # noqa: N815

    class Meta:
        model = Remittance
        fields: list[str] = []
