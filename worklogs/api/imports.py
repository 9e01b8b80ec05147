"""`POST /api/imports/`: the time-tracker import over HTTP (same rules as `manage.py import_worklogs`).

The body is the export file itself, whose keys are snake_case: this view neither camelizes nor
underscoreizes (plain JSON in and out), and reads numbers exactly, as `Decimal`, never as float.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filtersets import query_value
from api.parsers import StrictJSONParser
from api.permissions import IsFinanceStaff
from core.errors import InvalidInput
from core.strict_json import JSONRefused
from worklogs.importer import KINDS, records_from_json, worklogs_import

# An export holds years of history: far more than an API body, still bounded.
IMPORT_MAX_BYTES = 64 * 1024 * 1024


class ExactJSONParser(StrictJSONParser):
    """Strict UTF-8 JSON with numbers as `Decimal`/`int` and keys untouched; anything but an array is refused.

    A huge number or a string no database stores is left to the importer, which skips that record
    and says why in the report (api/parsers.py refuses them in every other body).
    """

    def max_bytes(self) -> int:
        return IMPORT_MAX_BYTES

    def loads(self, raw: bytes):
        try:
            return records_from_json(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise JSONRefused("The body is not UTF-8.") from None
        except InvalidInput as exc:
            raise JSONRefused(exc.message) from None


DRY_RUN_VALUES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def dry_run_of(request) -> bool:
    """`?dryRun=` is a yes or a no: a typo must not turn a dry run into a real import."""
    value = query_value(request.query_params, "dryRun")
    if value is None:
        return False
    if value.strip().lower() not in DRY_RUN_VALUES:
        raise ValidationError({"dryRun": ["Give true or false."]})
    return DRY_RUN_VALUES[value.strip().lower()]


_ID = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
_MONEY = {"oneOf": [{"type": "string", "example": "45.39"}, {"type": "number", "example": 45.39}]}
_COUNTS = {"type": "object", "properties": {kind: {"type": "integer"} for kind in KINDS}}
EXPORT_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["worklog_id", "user_id", "user_name", "task_name", "hourly_rate"],
        "properties": {
            "worklog_id": _ID,
            "user_id": _ID,
            "user_name": {"type": "string"},
            "task_name": {"type": "string"},
            "hourly_rate": _MONEY,
            "currency": {"type": "string", "example": "USD"},
            "segments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["segment_id", "start", "end", "status"],
                    "properties": {
                        "segment_id": _ID,
                        "start": {"type": "string", "format": "date-time"},
                        "end": {"type": "string", "format": "date-time"},
                        "status": {"type": "string", "enum": ["approved", "disputed", "cancelled"]},
                        "dispute_reason": {"type": "string"},
                    },
                },
            },
            "adjustments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["adjustment_id", "amount", "reason"],
                    "properties": {
                        "adjustment_id": _ID,
                        "amount": _MONEY,
                        "reason": {"type": "string"},
                        "applied_at": {"type": "string", "description": "A date or timestamp: the effectiveDate."},
                    },
                },
            },
        },
    },
}
REPORT_SCHEMA = {
    "type": "object",
    "properties": {
        "created": _COUNTS,
        "unchanged": _COUNTS,
        "skipped": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": list(KINDS)},
                    "id": {"type": "string", "nullable": True, "description": "The source's id of the record."},
                    "reason": {"type": "string"},
                },
            },
        },
    },
}


class ImportView(APIView):
    permission_classes = [IsFinanceStaff]
    parser_classes = [ExactJSONParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="imports_create",
        request={"application/json": EXPORT_SCHEMA},
        responses={200: REPORT_SCHEMA},
        parameters=[
            OpenApiParameter("dryRun", bool, description="Validate and report without writing anything."),
        ],
        description=(
            "Import a time-tracker export (the JSON array `manage.py import_worklogs` reads, snake_case keys). "
            "Answers 200 with the report, also when records were skipped; re-importing changes nothing "
            "already imported. A body that is not a JSON array is 400."
        ),
    )
    def post(self, request):
        dry_run = dry_run_of(request)
        report = worklogs_import(records=request.data, dry_run=dry_run, actor=request.user)
        return Response(report.as_dict())
