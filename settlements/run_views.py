"""Background settlement runs: `Prefer: respond-async` on generate, and resuming a run that died.

A run executes in `settlements.tasks.settlement_run_task`. `settlement_run_execute` is safe to call
again on the same run (workers already settled for the period are skipped, and the database refuses
a second live remittance per worker and period), so resuming never pays anyone twice; and the run's
lease lets only one execution at a time (`settlements.services.run_lease`).
"""

import logging

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.permissions import IsFinanceStaff
from settlements import selectors
from settlements.models import SettlementRun
from settlements.serializers import SettlementRunSerializer
from settlements.services import settlement_run_execute, settlement_run_resumable

logger = logging.getLogger(__name__)

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


def settlement_run_enqueue(*, run: SettlementRun) -> None:
    """Hand the run to the task backend once the run row has committed."""
    from settlements.tasks import settlement_run_task

    def enqueue():
        try:
            settlement_run_task.enqueue(run_id=run.pk)
        except Exception:  # the run stays QUEUED; POST .../resume/ runs it
            logger.exception("Could not enqueue settlement run %s; resume it.", run.pk)

    transaction.on_commit(enqueue)


def accepted_run_response(run: SettlementRun, body, *, enqueue: bool = True) -> Response:
    if enqueue:
        settlement_run_enqueue(run=run)
    return Response(
        body,
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": run_location(run.pk), "Preference-Applied": "respond-async"},
    )


def with_run_location(response: Response) -> Response:
    """An Idempotency-Key replay restores status and body only: give a 202 back its Location."""
    if response.status_code == status.HTTP_202_ACCEPTED and "Location" not in response:
        response["Location"] = run_location(response.data["id"])
    return response


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

RESUME_CONFLICT = OpenApiResponse(
    response=inline_serializer(
        "RunConflict",
        {
            "detail": serializers.CharField(),
            "code": serializers.CharField(help_text="`run_in_progress` or `run_completed`."),
        },
    ),
    description="The run is being executed by another process (`run_in_progress`) or is COMPLETED (`run_completed`).",
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
        from settlements.views import run_representation  # views imports this module

        run = get_object_or_404(selectors.run_list(), pk=pk)
        if prefers_async(request):
            settlement_run_resumable(run=run)  # the task takes the lease itself; this answers 409 early
            return accepted_run_response(run, run_representation(run))
        run = settlement_run_execute(run=run)
        return Response(run_representation(run))
