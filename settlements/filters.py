from django_filters import rest_framework as filters

from settlements.models import Remittance, RemittanceStatus


class RemittanceFilter(filters.FilterSet):
    workerId = filters.NumberFilter(field_name="worker_id")  # noqa: N815 - the API's own name
    status = filters.ChoiceFilter(choices=RemittanceStatus.choices)
    periodEnd = filters.DateFilter(field_name="period_end")  # noqa: N815
    runId = filters.NumberFilter(field_name="run_id")  # noqa: N815

    class Meta:
        model = Remittance
        fields = []
