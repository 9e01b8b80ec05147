"""`GET /api/workers/{id}/statement/?from=&to=`: a worker's ledger lines with a running balance."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import DayField, MoneyDigits
from api.filtersets import query_value
from settlements.selectors import worker_statement
from worklogs.api.permissions import IsFinanceOrWorkerReading, viewer_scope
from worklogs.selectors import worker_list

MONEY: MoneyDigits = {"max_digits": 14, "decimal_places": 2}

DESCRIPTION = """What the platform owes the worker and has not paid yet, line by line from the ledger.

The balance is `unremitted + pending` of `GET /api/workers/{id}/balance/` (the negated balance of the
worker's payable and in-transit accounts). Each line is one journal entry that changes it, in order:
a segment's earning (`EARNING`), a reversal or clawback (`REVERSAL`), an adjustment (`ADJUSTMENT`),
with their cents, and a payout that reached the worker (`REMITTANCE_PAID`, negative). Issuing,
failing or cancelling a remittance only moves money between unremitted and pending, so it is not a
line. `from` and `to` (inclusive dates in the server's time zone, both optional) bound the lines;
`opening` is the balance before `from`, `closing` the balance after the last line. Over all time,
`opening` is `"0.00"` and `closing` = `unremitted + pending`.

Finance staff may read any worker's statement; a worker user only their own (another worker is 404)."""


class StatementQuerySerializer(serializers.Serializer):
    """`from` and `to` are Python keywords, hence the fields declared in `get_fields`."""

    def get_fields(self):
        return {
            "from": DayField(required=False, source="date_from"),
            "to": DayField(required=False, source="date_to"),
        }

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"to": ["to must be on or after from."]})
        return attrs


class StatementLineSerializer(serializers.Serializer):
    date = serializers.DateField()
    cause = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    balance = serializers.DecimalField(**MONEY)
    reference = serializers.CharField(help_text="What caused the entry: item:<id> or remittance:<id>.")
    entry_id = serializers.IntegerField(help_text="The ledger journal entry.")


class StatementSerializer(serializers.Serializer):
    worker_id = serializers.IntegerField()
    currency = serializers.CharField()
    opening = serializers.DecimalField(**MONEY)
    closing = serializers.DecimalField(**MONEY)
    lines = StatementLineSerializer(many=True)


class WorkerStatementView(APIView):
    permission_classes = [IsFinanceOrWorkerReading]

    @extend_schema(
        summary="A worker's statement",
        description=DESCRIPTION,
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (inclusive). Default: all time."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (inclusive). Default: today."),
        ],
        responses={200: StatementSerializer},
    )
    def get(self, request, pk: int):
        worker = get_object_or_404(worker_list(viewer_worker=viewer_scope(request)), pk=pk)
        # An empty `?from=` means no bound, as when it is left out; a repeated one is 400.
        bounds = {name: query_value(request.query_params, name, allow_empty=True) for name in ("from", "to")}
        query = StatementQuerySerializer(data={name: value for name, value in bounds.items() if value})
        query.is_valid(raise_exception=True)
        statement = worker_statement(worker=worker, **query.validated_data)
        return Response(StatementSerializer(statement).data)
