"""Settlement runs over HTTP: the seed's generate endpoint, the runs list and detail, and resume.

`Prefer: respond-async` (RFC 7240) on generate or resume answers 202 at once with `Location` and
runs in the background (`settlements.services.run_control`).
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import ID_IN_PATH
from api.idempotency import request_key
from api.openapi import IDEMPOTENCY_HEADER, conflict
from api.permissions import IsFinanceStaff
from settlements import selectors
from settlements.api.filters import SettlementRunFilter
from settlements.api.keyed_generate import generate_with_key
from settlements.api.serializers import (
    GenerateSerializer,
    ReasonSerializer,
    SettlementRunListSerializer,
    SettlementRunSerializer,
)
from settlements.models import RunStatus, SettlementRun
from settlements.services.approvals import settlement_run_check_decision, settlement_run_reject
from settlements.services.runs import settlement_run_create
from settlements.tasks import settlement_run_approve_then_submit, settlement_run_resume

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
        responses={
            201: SettlementRunSerializer,
            202: SettlementRunSerializer,
            409: conflict(
                "A concurrent run claimed the same items, or with an `Idempotency-Key`: the key was used with "
                "another request (`idempotency_key_reused`), or the run it created is still executing "
                "(`run_in_progress`)."
            ),
        },
        parameters=[IDEMPOTENCY_HEADER, PREFER_HEADER],
        description=(
            "Settles every worker once for the period (API.md). With an `Idempotency-Key` the key is kept "
            "with the run it creates (one run per user and key): a repeat answers the stored status and "
            "body; a repeat while that run executes is 409 `run_in_progress`; a repeat after it failed or "
            "stalled finishes the same run and answers 201."
        ),
    )
    def post(self, request):
        def period_end():
            serializer = GenerateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            return serializer.validated_data["period_end"]

        def answer(run: SettlementRun) -> Response:
            background = prefers_async(request)
            if run.status != RunStatus.COMPLETED:  # a keyed repeat may find its run done: answer it as it is
                run = settlement_run_resume(run=run, background=background)
            return run_response(run, background=background, done_status=status.HTTP_201_CREATED)

        key = request_key(request)
        if key:  # the key is kept with the run: see settlements.api.keyed_generate
            return with_run_location(generate_with_key(request, key=key, period_end=period_end, answer=answer))
        return answer(settlement_run_create(period_end=period_end(), created_by=request.user))


APPROVAL_CONFLICT = conflict(
    "The run is not awaiting approval: already approved (`run_already_approved`) or rejected "
    "(`run_already_rejected`), created with approval off (`approval_not_required`), or not COMPLETED "
    "(`run_not_completed`). Nothing written."
)
DECISION_RESPONSES = {
    200: SettlementRunSerializer,
    404: OpenApiResponse(description="No such run."),
    409: APPROVAL_CONFLICT,
}
APPROVE_DESCRIPTION = """Four-eyes approval. With `SETTLEMENT_APPROVAL_REQUIRED` (default on) a run's remittances are
submitted to no payout provider and exported to no bank file until a finance user **other than the
run's creator** approves it; meanwhile they stay PENDING (finance may still mark them paid or failed,
or cancel them, by hand). A run started by `manage.py run_settlement` (without `--as`) or by the
scheduler has no creator: any finance user may approve it.

Approving writes the payout submissions of the run's PENDING remittances and sends them once the
approval has committed. The database refuses an approver equal to the creator and any submission for
a run not yet approved. A run is decided once: of two concurrent approvals exactly one succeeds."""
REJECT_DESCRIPTION = """Rejects a run awaiting approval: its PENDING remittances are CANCELLED, so their items are
released and the next run pays them. Any finance user may reject, the run's creator included. The
state is checked (409) before the body (400)."""


class SettlementRunViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID_IN_PATH
    serializer_class = SettlementRunSerializer
    permission_classes = [IsFinanceStaff]
    filterset_class = SettlementRunFilter

    def get_queryset(self):
        return selectors.run_list()

    def retrieve(self, request, *args, **kwargs):
        return Response(run_representation(self.get_object()))

    @extend_schema(responses={200: SettlementRunListSerializer(many=True)})
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # DEFAULT_PAGINATION_CLASS is set
        context = {"summaries": selectors.runs_summaries(run_ids=[run.pk for run in page])}
        return self.get_paginated_response(SettlementRunListSerializer(page, many=True, context=context).data)

    @extend_schema(
        summary="Approve a run (four eyes): its payouts are sent",
        request=None,
        responses={
            **DECISION_RESPONSES,
            403: OpenApiResponse(description="The caller created the run (`approver_is_creator`)."),
        },
        description=APPROVE_DESCRIPTION,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        run = settlement_run_approve_then_submit(run=self.get_object(), actor=request.user)
        return Response(run_representation(run))

    @extend_schema(
        summary="Reject a run awaiting approval: its PENDING remittances are cancelled",
        request=ReasonSerializer,
        responses={
            **DECISION_RESPONSES,
            400: OpenApiResponse(description="Malformed body (for example an empty reason); nothing written."),
        },
        description=REJECT_DESCRIPTION,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        run = self.get_object()
        settlement_run_check_decision(run=run)
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = settlement_run_reject(run=run, actor=request.user, **serializer.validated_data)
        return Response(run_representation(run))


RESUME_DESCRIPTION = """Executes the run again, finishing what its earlier execution left: workers it already settled
are skipped, so nobody is paid twice. One execution of a run at a time, enforced by the database: an
execution holds the run's lease (`leaseExpiresAt`), renewed by every chunk it commits.

- Allowed for a FAILED run, a QUEUED run (its task was lost, or not yet picked up: whichever starts
  first executes it, the other finds it taken), and a STALLED run: RUNNING, but its lease expired
  without renewal (`SETTLEMENT_RUN_LEASE_SECONDS`, default 60), so the process executing it died.
- `409` `run_in_progress`: another execution holds a live lease (the run is RUNNING, not STALLED);
  try again after `leaseExpiresAt` if it never moves on.
- `409` `run_completed`: the run is COMPLETED.
- With `Prefer: respond-async`: `202` at once, the run executes in the background.

The progress (`workersDone` of `workersTotal`) counts only what committed, and a resume continues it."""

RESUME_CONFLICT = conflict(
    "The run is being executed by another process (`run_in_progress`) or is COMPLETED (`run_completed`)."
)


class SettlementRunResumeView(APIView):
    """`POST /api/settlement-runs/{id}/resume/`: finish a FAILED, QUEUED or STALLED run."""

    permission_classes = [IsFinanceStaff]

    @extend_schema(
        request=None,
        parameters=[PREFER_HEADER],
        responses={
            200: SettlementRunSerializer,
            202: SettlementRunSerializer,
            404: OpenApiResponse(description="No such run."),
            409: RESUME_CONFLICT,
        },
        description=RESUME_DESCRIPTION,
    )
    def post(self, request, pk: int):
        run = get_object_or_404(selectors.run_list(), pk=pk)
        background = prefers_async(request)
        run = settlement_run_resume(run=run, background=background)
        return run_response(run, background=background)
