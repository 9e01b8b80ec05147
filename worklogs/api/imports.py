"""`POST /api/imports/`: the import over HTTP (same rules as `manage.py import_worklogs`).

The body is the file itself: raw (`application/json`, `text/csv`, or any type) or a multipart
upload in the field `file`. `?format=` names the format (default `auto`, recognised from the
file), `?rate=` the hourly rate of worklogs created where the file gives none, `?dryRun=` writes
nothing. The tracker export answers its report as before (`created`/`unchanged`/`skipped`); the
v2 seed and the CSV exports answer `format`, `created`, `skipped`, `rejected` and `rejected_rows`.
Keys are snake_case, as in the files: this view neither camelizes nor underscoreizes. Finance
staff and integration clients may import.
"""

from decimal import Decimal

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filtersets import query_value
from api.parsers import PayloadTooLarge, check_charset, read_body
from api.permissions import is_finance, is_integration
from core.money import parse_money
from worklogs.importer import FORMATS, KINDS, import_file

# An export holds years of history: far more than an API body, still bounded.
IMPORT_MAX_BYTES = 64 * 1024 * 1024


class RawFileParser(BaseParser):
    """The body as bytes, whatever its type (a JSON or CSV file); UTF-8 only, at most IMPORT_MAX_BYTES."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        check_charset(media_type)
        return read_body(stream, limit=IMPORT_MAX_BYTES) if stream is not None else b""


class JSONAnswer(BaseContentNegotiation):
    """Always JSON: `?format=` names the file's format here, not a renderer (DRF's URL_FORMAT_OVERRIDE)."""

    def select_parser(self, request, parsers):
        return DefaultContentNegotiation().select_parser(request, parsers)

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class IsFinanceOrIntegration(BasePermission):
    message = "Only finance staff or an integration client may import."

    def has_permission(self, request, view) -> bool:
        return is_finance(request.user) or is_integration(request.user)


DRY_RUN_VALUES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def dry_run_of(request) -> bool:
    """`?dryRun=` is a yes or a no: a typo must not turn a dry run into a real import."""
    value = query_value(request.query_params, "dryRun")
    if value is None:
        return False
    if value.strip().lower() not in DRY_RUN_VALUES:
        raise ValidationError({"dryRun": ["Give true or false."]})
    return DRY_RUN_VALUES[value.strip().lower()]


def format_of(request) -> str:
    value = (query_value(request.query_params, "format") or "auto").strip().lower()
    if value != "auto" and value not in FORMATS:
        raise ValidationError({"format": [f"Give auto, {', '.join(FORMATS)}."]})
    return value


def rate_of(request) -> Decimal | None:
    value = query_value(request.query_params, "rate")
    if value is None:
        return None
    try:
        rate = parse_money(value, field="rate")
    except ValueError as exc:
        raise ValidationError({"rate": [str(exc)]}) from None
    if rate <= 0:
        raise ValidationError({"rate": ["rate must be more than 0."]})
    return rate


def body_of(request) -> bytes:
    if isinstance(request.data, bytes):
        return request.data
    upload = request.FILES.get("file")
    if upload is None:
        if request.content_type and request.content_type.startswith("multipart/"):
            raise ValidationError({"file": ["Upload the file in the multipart field `file`."]})
        return b""
    if upload.size > IMPORT_MAX_BYTES:
        raise PayloadTooLarge(f"The file is larger than {IMPORT_MAX_BYTES} bytes.")
    return upload.read()


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


_TEXT = {"type": "string"}
_DATE = {"type": "string", "format": "date"}
V2_SCHEMA = {
    "type": "object",
    "description": 'The v2 seed (README "Importing time").',
    "required": ["users", "time_entries"],
    "properties": {
        "users": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["external_id", "display_name"],
                "properties": {
                    "external_id": _ID,
                    "display_name": _TEXT,
                    "email": _TEXT,
                    "hourly_rate_cents": {"type": "integer", "example": 4539},
                },
            },
        },
        "tasks": {
            "type": "array",
            "items": {"type": "object", "properties": {"external_id": _ID, "title": _TEXT}},
        },
        "worklogs": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"external_id": _ID, "task_external_id": _ID, "user_external_id": _ID},
            },
        },
        "time_entries": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["worklog_external_id", "occurred_on", "hours"],
                "properties": {
                    "worklog_external_id": _ID,
                    "occurred_on": _DATE,
                    "hours": {"oneOf": [{"type": "string", "example": "1.5"}, {"type": "number", "example": 1.5}]},
                    "memo": _TEXT,
                    "status": {
                        "type": "string",
                        "enum": ["approved", "pending", "submitted", "disputed", "rejected", "cancelled"],
                    },
                },
            },
        },
        "adjustments": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["user_external_id", "amount_cents", "reason"],
                "properties": {
                    "user_external_id": _ID,
                    "worklog_external_id": {**_ID, "nullable": True},
                    "amount_cents": {"type": "integer", "example": -1050},
                    "reason": _TEXT,
                    "relates_to_period_start": {**_DATE, "nullable": True},
                    "relates_to_period_end": {**_DATE, "nullable": True},
                },
            },
        },
    },
}
FILE_REPORT_SCHEMA = {
    "type": "object",
    "description": "The answer for a v2 seed or a CSV export.",
    "properties": {
        "format": {"type": "string", "enum": [f for f in FORMATS if f != "tracker"]},
        "dry_run": {"type": "boolean"},
        "created": _COUNTS,
        "skipped": {**_COUNTS, "description": "Rows imported before: nothing new."},
        "rejected": _COUNTS,
        "rejected_rows": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "line": {"type": "integer", "nullable": True, "description": "The row's first line in the file."},
                    "kind": {"type": "string", "enum": list(KINDS)},
                    "id": {"type": "string", "nullable": True, "description": "The row's source id, when known."},
                    "reason": {"type": "string"},
                },
            },
        },
    },
}


class ImportView(APIView):
    permission_classes = [IsFinanceOrIntegration]
    parser_classes = [MultiPartParser, RawFileParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONAnswer

    @extend_schema(
        operation_id="imports_create",
        request={
            "application/json": {"oneOf": [EXPORT_SCHEMA, V2_SCHEMA]},
            "text/csv": {"type": "string", "description": "A Toggl Track, Clockify or Harvest detailed CSV."},
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            },
        },
        responses={
            200: {"oneOf": [REPORT_SCHEMA, FILE_REPORT_SCHEMA]},
            413: OpenApiResponse(description="The file is larger than 64 MiB; nothing written."),
            415: OpenApiResponse(description="The body names a charset other than UTF-8; nothing written."),
        },
        parameters=[
            OpenApiParameter("dryRun", bool, description="Validate and report without writing anything."),
            OpenApiParameter(
                "format",
                str,
                enum=["auto", *FORMATS],
                description="The file's format; `auto` (the default) recognises it from its content.",
            ),
            OpenApiParameter(
                "rate", str, description="Hourly rate (e.g. 45.00) of worklogs created where the file gives none."
            ),
        ],
        description=(
            "Import a file of time: the tracker export (a JSON array, answered as before with "
            "`created`/`unchanged`/`skipped`), a v2 seed (a JSON object), or a Toggl Track, Clockify or "
            "Harvest detailed CSV (UTF-8, with or without BOM), as the raw body or a multipart `file`. "
            "Answers 200 with the report, also when rows were rejected; re-importing adds nothing already "
            "imported. A file that cannot be read as a whole (unrecognised, not UTF-8, not valid JSON, a CSV "
            "without its columns) is 400. Finance staff and integration clients."
        ),
    )
    def post(self, request):
        dry_run = dry_run_of(request)
        file_format = format_of(request)
        rate = rate_of(request)
        report = import_file(
            raw=body_of(request), file_format=file_format, dry_run=dry_run, rate=rate, actor=request.user
        )
        return Response(report.as_dict())
