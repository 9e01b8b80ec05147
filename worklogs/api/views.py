"""Thin DRF views: validate with a serializer, call one service or selector, serialize."""

from typing import TYPE_CHECKING

from djangorestframework_camel_case.render import CamelCaseJSONRenderer
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.fields import ID_IN_PATH
from api.idempotency import idempotent
from api.openapi import IDEMPOTENCY_HEADER, conflict
from api.permissions import IsFinanceStaff
from worklogs import selectors, services
from worklogs.api.exports import WorkLogCSVExportMixin
from worklogs.api.filters import SegmentFilter, TaskFilter, WorkerFilter, WorkLogFilter
from worklogs.api.permissions import IntegrationMay, IsFinanceOrWorker, IsFinanceOrWorkerReading, viewer_scope
from worklogs.api.serializers import (
    WORKLOG_ROW_COLUMNS,
    AdjustmentCreateSerializer,
    AdjustmentSerializer,
    ReasonSerializer,
    SegmentAdjustSerializer,
    SegmentCreateSerializer,
    SegmentRemoveSerializer,
    SegmentResolveSerializer,
    SegmentSerializer,
    TaskCreateSerializer,
    TaskSerializer,
    WorkerCreateSerializer,
    WorkerSerializer,
    WorkLogCreateSerializer,
    WorkLogRateSerializer,
    WorkLogSerializer,
    worklog_rows,
)

if TYPE_CHECKING:
    from worklogs.models import WorkLog

    class _WorkLogViewSet(viewsets.GenericViewSet[WorkLog]):
        """What the mixin is mixed into, for the type checker (at run time it derives from object)."""

else:
    _WorkLogViewSet = object


EXTERNAL_ID_TAKEN = conflict("The externalId is already taken by another row of this kind; nothing was written.")
ILLEGAL_SEGMENT_TRANSITION = conflict("The segment's status does not allow this action (checked before the body).")


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class WorkerViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID_IN_PATH
    serializer_class = WorkerSerializer
    permission_classes = [IsFinanceOrWorkerReading | IntegrationMay]
    integration_actions = ("list", "retrieve", "create")
    filterset_class = WorkerFilter

    def get_queryset(self):
        return selectors.worker_list(viewer_worker=viewer_scope(self.request))

    @extend_schema(request=WorkerCreateSerializer, responses={201: WorkerSerializer, 409: EXTERNAL_ID_TAKEN})
    def create(self, request, *args, **kwargs):
        worker = services.worker_create(actor=request.user, **_valid(WorkerCreateSerializer, request))
        return Response(WorkerSerializer(worker).data, status=status.HTTP_201_CREATED)


class TaskViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID_IN_PATH
    serializer_class = TaskSerializer
    permission_classes = [IsFinanceStaff | IntegrationMay]
    integration_actions = ("list", "retrieve", "create")
    filterset_class = TaskFilter

    def get_queryset(self):
        return selectors.task_list()

    @extend_schema(request=TaskCreateSerializer, responses={201: TaskSerializer, 409: EXTERNAL_ID_TAKEN})
    def create(self, request, *args, **kwargs):
        task = services.task_create(**_valid(TaskCreateSerializer, request))
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)


class WorkLogListMixin(_WorkLogViewSet):
    """A worklog list page as `worklog_rows` builds it: already camelCase, so rendered as it is."""

    def get_renderers(self):
        renderers = super().get_renderers()
        if self.action != "list":
            return renderers
        return [JSONRenderer() if isinstance(r, CamelCaseJSONRenderer) else r for r in renderers]

    @extend_schema(responses={200: WorkLogSerializer(many=True)})
    def list(self, request, *args, **kwargs):
        rows = self.filter_queryset(self.get_queryset()).values_list(*WORKLOG_ROW_COLUMNS)
        return self.get_paginated_response(worklog_rows(self.paginate_queryset(rows)))


class WorkLogViewSet(
    WorkLogCSVExportMixin,
    WorkLogListMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    lookup_value_regex = ID_IN_PATH
    serializer_class = WorkLogSerializer
    permission_classes = [IsFinanceOrWorkerReading | IntegrationMay]
    integration_actions = ("list", "retrieve", "create", "segments")
    filterset_class = WorkLogFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.worklog_list(viewer_worker=viewer_scope(self.request))

    @extend_schema(
        request=WorkLogCreateSerializer,
        responses={
            201: WorkLogSerializer,
            409: conflict("The worker already has a worklog for this task, or the externalId is taken."),
        },
    )
    def create(self, request, *args, **kwargs):
        worklog = services.worklog_create(actor=request.user, **_valid(WorkLogCreateSerializer, request))
        return Response(WorkLogSerializer(worklog).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WorkLogRateSerializer, responses={200: WorkLogSerializer})
    def partial_update(self, request, *args, **kwargs):
        worklog = self.get_object()
        worklog = services.worklog_rate_change(
            worklog=worklog, actor=request.user, **_valid(WorkLogRateSerializer, request)
        )
        return Response(WorkLogSerializer(worklog).data)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(methods=["GET"], responses={200: SegmentSerializer(many=True)}, filters=False)
    @extend_schema(
        methods=["POST"],
        request=SegmentCreateSerializer,
        responses={
            201: SegmentSerializer,
            200: SegmentSerializer,
            409: conflict("Overlaps a live segment of the worker, or reuses an externalId with other fields."),
        },
        parameters=[IDEMPOTENCY_HEADER],
        description="Record time. Re-posting an externalId with the same fields answers 200 with the segment.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        permission_classes=[IsFinanceOrWorker | IntegrationMay],
        filterset_class=None,
    )
    def segments(self, request, pk=None):
        worklog = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.segment_list().filter(worklog=worklog))
            return self.get_paginated_response(SegmentSerializer(page, many=True).data)

        def record():
            data = _valid(SegmentCreateSerializer, request)
            segment, created = services.segment_record(worklog=worklog, actor=request.user, **data)
            if not hasattr(segment, "earning_amount"):  # a replay: the existing segment, read as the list does
                segment = selectors.segment_list().get(pk=segment.pk)
            body = SegmentSerializer(segment).data
            return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

        return idempotent(request, record)


class SegmentViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID_IN_PATH
    serializer_class = SegmentSerializer
    permission_classes = [IsFinanceOrWorkerReading | IntegrationMay]
    # Correcting is removing or adjusting; disputes and their resolution are finance's review.
    integration_actions = ("list", "retrieve", "remove", "adjust")
    filterset_class = SegmentFilter

    def get_queryset(self):
        return selectors.segment_list(viewer_worker=viewer_scope(self.request))

    def _answer(self, segment, code=status.HTTP_200_OK) -> Response:
        return Response(SegmentSerializer(selectors.segment_list().get(pk=segment.pk)).data, status=code)

    def _acting_on(self, action: str, serializer_class, request) -> tuple:
        """The segment (404 if unknown or not yours), then its state (409), then the body (400)."""
        segment = self.get_object()
        services.segment_check_action(segment=segment, action=action)
        return segment, _valid(serializer_class, request)

    @extend_schema(request=ReasonSerializer, responses={200: SegmentSerializer, 409: ILLEGAL_SEGMENT_TRANSITION})
    @action(detail=True, methods=["post"], permission_classes=[IsFinanceStaff])
    def dispute(self, request, pk=None):
        segment, data = self._acting_on("dispute", ReasonSerializer, request)
        return self._answer(services.segment_dispute(segment=segment, actor=request.user, **data))

    @extend_schema(
        request=SegmentResolveSerializer, responses={200: SegmentSerializer, 409: ILLEGAL_SEGMENT_TRANSITION}
    )
    @action(detail=True, methods=["post"], permission_classes=[IsFinanceStaff])
    def resolve(self, request, pk=None):
        segment, data = self._acting_on("resolve", SegmentResolveSerializer, request)
        return self._answer(services.segment_resolve(segment=segment, actor=request.user, **data))

    @extend_schema(request=SegmentRemoveSerializer, responses={200: SegmentSerializer, 409: ILLEGAL_SEGMENT_TRANSITION})
    @action(detail=True, methods=["post"], permission_classes=[IsFinanceStaff | IntegrationMay])
    def remove(self, request, pk=None):
        segment, data = self._acting_on("remove", SegmentRemoveSerializer, request)
        return self._answer(services.segment_remove(segment=segment, actor=request.user, **data))

    @extend_schema(
        request=SegmentAdjustSerializer,
        responses={
            201: SegmentSerializer,
            409: conflict("The segment's status does not allow it, or the new span overlaps a live segment."),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[IsFinanceStaff | IntegrationMay])
    def adjust(self, request, pk=None):
        segment, data = self._acting_on("adjust", SegmentAdjustSerializer, request)
        return self._answer(
            services.segment_adjust(segment=segment, actor=request.user, **data), status.HTTP_201_CREATED
        )


class AdjustmentViewSet(
    mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    lookup_value_regex = ID_IN_PATH
    serializer_class = AdjustmentSerializer
    permission_classes = [IsFinanceStaff]

    def get_queryset(self):
        return selectors.adjustment_list()

    @extend_schema(
        request=AdjustmentCreateSerializer,
        responses={
            201: AdjustmentSerializer,
            200: AdjustmentSerializer,
            409: conflict("The externalId was recorded with other fields (whatever else the body holds)."),
        },
        parameters=[IDEMPOTENCY_HEADER],
        description="Record a deduction (negative) or bonus. Re-posting an externalId with the same fields "
        "answers 200 with the existing adjustment; with other fields, 409.",
    )
    def create(self, request, *args, **kwargs):
        def record():
            serializer = AdjustmentCreateSerializer(data=request.data)
            if not serializer.is_valid():
                # A reused externalId is 409 whatever else is wrong with the body (API.md).
                body = request.data if isinstance(request.data, dict) else {}
                services.adjustment_check_external_id(external_id=body.get("external_id"))
                raise ValidationError(serializer.errors)
            adjustment, created = services.adjustment_record_once(created_by=request.user, **serializer.validated_data)
            code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
            return Response(AdjustmentSerializer(adjustment).data, status=code)

        return idempotent(request, record)


class ListAllWorklogsView(WorkLogCSVExportMixin, WorkLogListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """`GET /list-all-worklogs?remittanceStatus=REMITTED|UNREMITTED` (also workerId, taskId; `format=csv`)."""

    serializer_class = WorkLogSerializer
    permission_classes = [IsFinanceOrWorkerReading | IntegrationMay]
    integration_actions = ("list",)
    filterset_class = WorkLogFilter

    def get_queryset(self):
        return selectors.worklog_list(viewer_worker=viewer_scope(self.request))
