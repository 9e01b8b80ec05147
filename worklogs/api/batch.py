"""`POST /api/segments/batch/`: up to 500 segments in one request, each answered as
`POST /api/worklogs/{id}/segments/` would have answered it (docs/API.md "Segments").

Each item is checked in the single endpoint's order: its worklog reference (400 when malformed, 404
when unknown or not the caller's), then its fields (400), then the service decides (201, 200 for an
identical repeat of an `externalId`, 400, 409). The bodies are built by the same exception handler
and serializer as the single endpoint's. The batch itself answers 200 with one result per item, in
request order; only a malformed envelope (not `{"segments": [...]}`, no item or more than 500) is 400.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import APIView

from api.exceptions import api_exception_handler
from api.fields import ExternalIdField, IdField
from api.idempotency import idempotent
from api.openapi import IDEMPOTENCY_HEADER
from worklogs import selectors
from worklogs.api.permissions import IsFinanceIntegrationOrWorker, viewer_scope
from worklogs.api.serializers import SegmentCreateSerializer, SegmentSerializer
from worklogs.models import WorkLog
from worklogs.services.segment_batch import MAX_BATCH, BatchEntry, segments_record_batch

NOT_FOUND = "No WorkLog matches the given query."  # what the single endpoint's 404 says
WORKLOG_EXTERNAL_ID_LENGTH = int(WorkLog._meta.get_field("external_id").max_length or 0)


class SegmentBatchItemSerializer(SegmentCreateSerializer):
    """One item: the single endpoint's body, plus which worklog (exactly one of the two references)."""

    worklog_id = IdField(required=False)
    worklog_external_id = ExternalIdField(required=False, max_length=WORKLOG_EXTERNAL_ID_LENGTH)


class WorklogReferenceSerializer(serializers.Serializer):
    worklog_id = IdField(required=False)
    worklog_external_id = ExternalIdField(required=False, max_length=WORKLOG_EXTERNAL_ID_LENGTH)

    def validate(self, attrs):
        if ("worklog_id" in attrs) == ("worklog_external_id" in attrs):
            raise ValidationError({"worklog_id": ["Give exactly one of worklogId and worklogExternalId."]})
        return attrs


class SegmentBatchSerializer(serializers.Serializer):
    """The envelope; its items are read one by one below, so that each gets its own answer."""

    segments = serializers.ListField(
        child=serializers.JSONField(allow_null=True), min_length=1, max_length=MAX_BATCH, help_text="1 to 500 items."
    )


class SegmentBatchRequestSchema(serializers.Serializer):
    """The request as the schema shows it."""

    class Meta:
        ref_name = "SegmentBatch"

    segments = SegmentBatchItemSerializer(many=True, help_text=f"1 to {MAX_BATCH} items, applied in this order.")


@extend_schema_field(
    {
        "anyOf": [
            {"$ref": "#/components/schemas/Segment"},
            {"$ref": "#/components/schemas/ValidationError"},
            {"$ref": "#/components/schemas/Error"},
        ],
        "description": "What that endpoint would have sent: the Segment (201, 200), or the error body (400, 404, 409).",
    }
)
class ResultBodyField(serializers.JSONField):
    pass


class SegmentBatchResultSerializer(serializers.Serializer):
    http_status = serializers.ChoiceField(
        choices=[200, 201, 400, 404, 409],
        help_text="What POST /api/worklogs/{id}/segments/ would have answered for this item.",
    )
    body = ResultBodyField()


class SegmentBatchAnswerSerializer(serializers.Serializer):
    results = SegmentBatchResultSerializer(many=True, help_text="One per item, in request order.")


def _error_result(exc, context) -> dict:
    response = api_exception_handler(exc, context)
    return {"http_status": response.status_code, "body": response.data}


class SegmentBatchView(APIView):
    permission_classes = [IsFinanceIntegrationOrWorker]

    @extend_schema(
        operation_id="segments_batch_create",
        request=SegmentBatchRequestSchema,
        responses={200: SegmentBatchAnswerSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        description=(
            "Record up to 500 segments, each on a worklog named by `worklogId` or `worklogExternalId` "
            "(exactly one). Items are applied in request order (of two overlapping items the first wins), "
            "each all-or-nothing on its own. Each result is the status and body POST "
            "/api/worklogs/{id}/segments/ would have answered. An Idempotency-Key replays the whole answer."
        ),
    )
    def post(self, request):
        return idempotent(request, lambda: self._record(request))

    def _record(self, request) -> Response:
        envelope = SegmentBatchSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        raw_items = envelope.validated_data["segments"]
        context = {"view": self, "request": request}
        results: list[dict | None] = [None] * len(raw_items)
        # One instance of each serializer reads every item (as a ListSerializer reads its children):
        # a serializer builds its fields once per instance, which would otherwise cost more than the item.
        read_reference, read_fields = WorklogReferenceSerializer(), SegmentCreateSerializer()
        references: dict[int, dict] = {}
        for index, raw in enumerate(raw_items):
            try:
                references[index] = read_reference.run_validation(raw)
            except ValidationError as exc:
                results[index] = _error_result(ValidationError(as_serializer_error(exc)), context)
        worklogs = self._worklogs(request, references.values())
        entries: list[BatchEntry] = []
        entry_index: list[int] = []
        for index, ref in references.items():
            key = ("id", ref["worklog_id"]) if "worklog_id" in ref else ("ext", ref["worklog_external_id"])
            worklog = worklogs.get(key)
            if worklog is None:
                results[index] = _error_result(Http404(NOT_FOUND), context)
                continue
            try:
                fields = read_fields.run_validation(raw_items[index])
            except ValidationError as exc:
                results[index] = _error_result(ValidationError(as_serializer_error(exc)), context)
                continue
            entries.append(BatchEntry(worklog=worklog, **fields))
            entry_index.append(index)
        outcomes = segments_record_batch(entries=entries, actor=request.user)
        replayed = [o.segment.pk for o in outcomes if o.segment is not None and not o.created]
        fresh = {s.pk: s for s in selectors.segment_list().filter(pk__in=replayed)} if replayed else {}
        answered = []
        for index, outcome in zip(entry_index, outcomes, strict=True):
            if outcome.error is not None:
                results[index] = _error_result(outcome.error, context)
                continue
            assert outcome.segment is not None
            segment = outcome.segment if outcome.created else fresh[outcome.segment.pk]
            answered.append((index, outcome.created, segment))
        bodies = SegmentSerializer([segment for _, _, segment in answered], many=True).data
        for (index, created, _), body in zip(answered, bodies, strict=True):
            results[index] = {"http_status": status.HTTP_201_CREATED if created else status.HTTP_200_OK, "body": body}
        return Response({"results": results}, status=status.HTTP_200_OK)

    def _worklogs(self, request, references) -> dict[tuple[str, object], WorkLog]:
        """The items' worklogs the caller may see, by reference, in two queries at most."""
        ids = {r["worklog_id"] for r in references if "worklog_id" in r}
        external_ids = {r["worklog_external_id"] for r in references if "worklog_external_id" in r}
        visible = selectors.worklog_list(viewer_worker=viewer_scope(request))
        found: dict[tuple[str, object], WorkLog] = {}
        if ids:
            found.update((("id", w.pk), w) for w in visible.filter(pk__in=ids))
        if external_ids:
            found.update((("ext", w.external_id), w) for w in visible.filter(external_id__in=external_ids))
        return found
