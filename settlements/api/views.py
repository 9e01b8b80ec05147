"""Remittances (list, detail and their transitions) and a worker's balance."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import ID_IN_PATH
from api.permissions import IsFinanceStaff
from settlements import selectors
from settlements.api.filters import RemittanceFilter
from settlements.api.serializers import (
    BalanceSerializer,
    MarkPaidSerializer,
    ReasonSerializer,
    RemittanceSerializer,
)
from settlements.models import Remittance, RemittanceStatus
from settlements.services import remittances as remittance_services
from worklogs.api.permissions import IsFinanceOrWorkerReading, viewer_scope
from worklogs.selectors import worker_list

# The remittance state machine (API.md, extended for a payout provider), stated once for the schema.
STATE_MACHINE = (
    "Remittance statuses: PENDING -> PROCESSING (submitted to the payout provider) -> PAID | FAILED; "
    "PENDING -> PAID | FAILED | CANCELLED; PAID -> RETURNED (the bank or provider sent the paid transfer "
    "back), the one move out of PAID. FAILED, CANCELLED and RETURNED are final and release the remittance's "
    "items: the next run pays them again. Any other transition is 409 (`illegal_transition`) and changes "
    "nothing."
)


def _transition_schema(*, summary: str, allowed_from: str, request, extra_409: str = ""):
    return extend_schema(
        summary=summary,
        description=f"Allowed from {allowed_from}. {STATE_MACHINE}{extra_409}",
        request=request,
        responses={
            200: RemittanceSerializer,
            400: OpenApiResponse(description="Malformed body (for example an empty reason); nothing written."),
            404: OpenApiResponse(description="No such remittance."),
            409: OpenApiResponse(description="Not allowed from the remittance's current status; nothing written."),
        },
    )


class RemittanceViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID_IN_PATH
    serializer_class = RemittanceSerializer
    permission_classes = [IsFinanceOrWorkerReading]
    filterset_class = RemittanceFilter

    def get_queryset(self):
        return selectors.remittance_list(viewer_worker=viewer_scope(self.request))

    def get_serializer(self, *args, **kwargs):
        instances = args[0] if args else []
        if isinstance(instances, Remittance):
            instances = [instances]
        kwargs["context"] = {
            **self.get_serializer_context(),
            "worklog_amounts": selectors.remittance_worklog_amounts(remittance_ids=[r.pk for r in instances]),
        }
        return self.serializer_class(*args, **kwargs)

    def _answer(self, remittance) -> Response:
        return Response(self.get_serializer(remittance).data)

    def _acting_on(self, to_status: str, serializer_class, request) -> tuple:
        """The remittance (404 if unknown or not yours), then its state (409), then the body (400)."""
        remittance = self.get_object()
        remittance_services.remittance_check_transition(remittance=remittance, to_status=to_status)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return remittance, serializer.validated_data

    @_transition_schema(
        summary="Mark a remittance PAID (the money reached the worker)",
        allowed_from="PENDING or PROCESSING",
        request=MarkPaidSerializer,
    )
    @action(detail=True, methods=["post"], url_path="mark-paid", permission_classes=[IsFinanceStaff])
    def mark_paid(self, request, pk=None):
        remittance, data = self._acting_on(RemittanceStatus.PAID, MarkPaidSerializer, request)
        return self._answer(remittance_services.remittance_mark_paid(remittance=remittance, actor=request.user, **data))

    @_transition_schema(
        summary="Mark a remittance FAILED and release its items to the next run",
        allowed_from="PENDING or PROCESSING",
        request=ReasonSerializer,
    )
    @action(detail=True, methods=["post"], url_path="mark-failed", permission_classes=[IsFinanceStaff])
    def mark_failed(self, request, pk=None):
        remittance, data = self._acting_on(RemittanceStatus.FAILED, ReasonSerializer, request)
        return self._answer(
            remittance_services.remittance_mark_failed(remittance=remittance, actor=request.user, **data)
        )

    @_transition_schema(
        summary="Cancel a remittance before it is submitted, releasing its items to the next run",
        allowed_from="PENDING only (a PROCESSING remittance is with the provider and can no longer be cancelled)",
        request=ReasonSerializer,
        extra_409=(
            " A PENDING remittance whose submission to the provider is in doubt (a crash mid-call) is 409 "
            "`payout_in_doubt` until `manage.py submit_payouts` has settled it."
        ),
    )
    @action(detail=True, methods=["post"], permission_classes=[IsFinanceStaff])
    def cancel(self, request, pk=None):
        remittance, data = self._acting_on(RemittanceStatus.CANCELLED, ReasonSerializer, request)
        return self._answer(remittance_services.remittance_cancel(remittance=remittance, actor=request.user, **data))

    @_transition_schema(
        summary="Mark a PAID remittance RETURNED (the transfer came back) and release its items to the next run",
        allowed_from="PAID only",
        request=ReasonSerializer,
        extra_409=(
            " Its amount leaves `remitted` (the ledger moves it from cash back to payable) and its worklogs "
            "count it as unremitted again."
        ),
    )
    @action(detail=True, methods=["post"], url_path="mark-returned", permission_classes=[IsFinanceStaff])
    def mark_returned(self, request, pk=None):
        remittance, data = self._acting_on(RemittanceStatus.RETURNED, ReasonSerializer, request)
        return self._answer(
            remittance_services.remittance_mark_returned(
                remittance=remittance, actor=request.user, source="api", **data
            )
        )


class WorkerBalanceView(APIView):
    """`GET /api/workers/{id}/balance/`: unremitted + pending + remitted = the worker's worklogs."""

    permission_classes = [IsFinanceOrWorkerReading]

    @extend_schema(responses={200: BalanceSerializer})
    def get(self, request, pk: int):
        worker = get_object_or_404(worker_list(viewer_worker=viewer_scope(request)), pk=pk)
        return Response(BalanceSerializer(selectors.worker_balance(worker=worker)).data)
