"""Settlement runs over HTTP: the seed's generate endpoint, the runs list and detail, and resume.

`Prefer: respond-async` (RFC 7240) on generate or resume answers 202 at once with `Location` and
runs in the background (`settlements.services.run_control`).
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.openapi import IDEMPOTENCY_HEADER
from api.permissions import IsFinanceStaff
from settlements import selectors
from settlements.api.serializers import GenerateSerializer, SettlementRunListSerializer, SettlementRunSerializer
from settlements.models import SettlementRun
from settlements.tasks import settlement_run_resume, settlement_run_start

PREFER_HEADER = OpenApiParameter(
    "Prefer",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="`respond-async`: answer 202 at once with `Location: /api/settlement-runs/{id}/` and run in the "
    "background; poll that URL for status, workersDone / workersTotal and totals.",
)


def prefers_async(request) -> bool:
    """RFC 7240: `Prefer: respond-async` (among other preferences, any case)."""
    preferences = request.headers.get("Prefer", "")
    return any(p.split(";")[0].split("=")[0].strip().lower() == "respond-async" for p in preferences.split(","))


def run_location(run_id: int) -> str:
    return reverse("settlement-run-detail", args=[run_id])


def run_representation(run: SettlementRun) -> dict:
    remittances = list(run.remittances.order_by("pk"))
    context = {
        "remittances": remittances,
        "summaries": selectors.runs_summaries(run_ids=[run.pk]),
        "worklog_amounts": selectors.remittance_worklog_amounts(remittance_ids=[r.pk for r in remittances]),
    }
    return SettlementRunSerializer(run, context=context).data


def run_response(run: SettlementRun, *, background: bool, done_status: int = status.HTTP_200_OK) -> Response:
    """A run's answer: 202 with `Location` when it runs in the background, else `done_status`."""
    if not background:
        return Response(run_representation(run), status=done_status)
    return Response(
        run_representation(run),
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": run_location(run.pk), "Preference-Applied": "respond-async"},
    )


def with_run_location(response: Response) -> Response:
    """An Idempotency-Key replay restores status and body only: give a 202 back its Location."""
    if response.status_code == status.HTTP_202_ACCEPTED and "Location" not in response:
        response["Location"] = run_location(response.data["id"])
    return response


class GenerateRemittancesView(APIView):
    """`POST /generate-remittances-for-all-users`: settle every worker once for the period."""

    permission_classes = [IsFinanceStaff]

    @extend_schema(
        request=GenerateSerializer,
        responses={201: SettlementRunSerializer, 202: SettlementRunSerializer},
        parameters=[IDEMPOTENCY_HEADER, PREFER_HEADER],
    )
    def post(self, request):
        def generate() -> Response:
            serializer = GenerateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            background = prefers_async(request)
            run = settlement_run_start(
                period_end=serializer.validated_data["period_end"], created_by=request.user, background=background
            )
            return run_response(run, background=background, done_status=status.HTTP_201_CREATED)

        return with_run_location(idempotent(request, generate))


class SettlementRunViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SettlementRunSerializer
    permission_classes = [IsFinanceStaff]

    def get_queryset(self):
        return selectors.run_list()

    def retrieve(self, request, *args, **kwargs):
        return Response(run_representation(self.get_object()))

    @extend_schema(responses={200: SettlementRunListSerializer(many=True)})
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # DEFAULT_PAGINATION_CLASS is set
        context = {"summaries": selectors.runs_summaries(run_ids=[run.pk for run in page])}
        return self.get_paginated_response(SettlementRunListSerializer(page, many=True, context=context).data)


class SettlementRunResumeView(APIView):
    """`POST /api/settlement-runs/{id}/resume/`: finish a FAILED (or stuck QUEUED/RUNNING) run."""

    permission_classes = [IsFinanceStaff]

    @extend_schema(
        request=None,
        parameters=[PREFER_HEADER],
        responses={
            200: SettlementRunSerializer,
            202: SettlementRunSerializer,
            409: OpenApiResponse(description="The run is already COMPLETED."),
        },
        description=(
            "Executes the run again: workers it already settled are skipped, so nobody is paid twice. "
            "Allowed for FAILED runs and for QUEUED or RUNNING runs whose worker died; a COMPLETED run is 409."
        ),
    )
    def post(self, request, pk: int):
        run = get_object_or_404(selectors.run_list(), pk=pk)
        background = prefers_async(request)
        run = settlement_run_resume(run=run, background=background)
        return run_response(run, background=background)
