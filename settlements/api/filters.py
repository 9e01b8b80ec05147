from django_filters import rest_framework as filters

from api.fields import DayFilter, IdFilter
from api.filtersets import StrictFilterSet
from settlements import selectors
from settlements.models import APPROVAL_STATES, Remittance, RemittanceStatus, SettlementRun


class RemittanceFilter(StrictFilterSet):
    workerId = IdFilter("worker_id")  # noqa: N815 - the API's own name
    status = filters.ChoiceFilter(choices=RemittanceStatus.choices)
    periodEnd = DayFilter(field_name="period_end")  # noqa: N815
    runId = IdFilter("run_id")  # noqa: N815

    class Meta:
        model = Remittance
        fields: list[str] = []


class SettlementRunFilter(StrictFilterSet):
    approval = filters.ChoiceFilter(
        choices=[(state, state) for state in APPROVAL_STATES],
        method="filter_approval",
        help_text="`pending` (awaiting a second finance user's approval), `approved`, `rejected`, or "
        "`not_required` (created with SETTLEMENT_APPROVAL_REQUIRED off).",
    )

    class Meta:
        model = SettlementRun
        fields: list[str] = []

    def filter_approval(self, queryset, name, value):
        return selectors.runs_by_approval(queryset, state=value)
