"""A settlement run's remittances as CSV, for the bank or the payout provider.

`remittance_csv_lines` is the one writer: the API view streams it and the admin action can return
`remittances_csv_response(run=...)`. One row per remittance (optionally only one status), then one
`TOTAL` row per currency, each the exact sum of the rows above it in that currency.
"""

from collections.abc import Iterator
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from djangorestframework_camel_case.render import CamelCaseJSONRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from api.csv import CSVRenderer, JSONErrorsMixin, csv_response, csv_stream, safe_text, stream_by_key
from api.filtersets import query_value
from api.openapi import conflict
from api.permissions import IsFinanceStaff
from settlements.models import RemittanceStatus, SettlementRun
from settlements.selectors import run_list
from settlements.services.approvals import settlement_run_check_export

REMITTANCE_HEADER = [
    "worker",
    "external id",
    "email",
    "amount",
    "currency",
    "status",
    "remittance id",
    "period end",
]


def remittance_csv_rows(*, run: SettlementRun, status: str | None = None) -> Iterator[list]:
    remittances = run.remittances.select_related("worker").order_by("pk")
    if status:
        remittances = remittances.filter(status=status)
    totals: dict[str, Decimal] = {}
    for remittance in stream_by_key(remittances):
        totals[remittance.currency] = totals.get(remittance.currency, Decimal("0.00")) + remittance.amount
        yield [
            safe_text(remittance.worker.name),
            safe_text(remittance.worker.external_id),
            safe_text(remittance.worker.email),
            remittance.amount,
            remittance.currency,
            remittance.status,
            remittance.pk,
            remittance.period_end.isoformat(),
        ]
    for currency in sorted(totals):
        yield ["TOTAL", "", "", totals[currency], currency, "", "", run.period_end.isoformat()]


def remittance_csv_lines(*, run: SettlementRun, status: str | None = None) -> Iterator[str]:
    return csv_stream(REMITTANCE_HEADER, remittance_csv_rows(run=run, status=status))


def remittances_csv_response(*, run: SettlementRun, status: str | None = None) -> StreamingHttpResponse:
    suffix = f"-{status.lower()}" if status else ""
    return csv_response(
        remittance_csv_lines(run=run, status=status),
        filename=f"run-{run.pk}-{run.period_end.isoformat()}{suffix}-remittances.csv",
    )


class RunRemittancesCSVView(JSONErrorsMixin, APIView):
    """`GET /api/settlement-runs/{id}/remittances.csv[?status=PENDING]`."""

    permission_classes = [IsFinanceStaff]
    # JSON first, so errors (403, 404, a bad status) are JSON for any client that accepts it.
    renderer_classes = [CamelCaseJSONRenderer, CSVRenderer]

    @extend_schema(
        operation_id="settlement_runs_remittances_csv",
        parameters=[
            OpenApiParameter(
                "status", str, enum=list(RemittanceStatus.values), description="Only remittances in this status."
            )
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="One row per remittance, then a TOTAL row per currency."
            ),
            409: conflict(
                "`run_not_approved`: the run awaits four-eyes approval (or was rejected), so nothing of it is "
                "exported for the bank (`POST /api/settlement-runs/{id}/approve/`)."
            ),
        },
    )
    def get(self, request, pk: int):
        run = get_object_or_404(run_list(), pk=pk)
        status = query_value(request.query_params, "status")
        if status is not None and status not in RemittanceStatus.values:
            raise ValidationError({"status": [f"Must be one of {', '.join(RemittanceStatus.values)}."]})
        settlement_run_check_export(run=run)  # a malformed query is 400 whatever the run's state
        return remittances_csv_response(run=run, status=status)
