"""`POST /api/imports/`: the import over HTTP (same rules as `manage.py import_worklogs`).

The body is the file itself: raw (`application/json`, `text/csv`, or any type) or a multipart
upload in the field `file`. `?format=` names the format (default `auto`, recognised from the
file), `?rate=` the hourly rate of worklogs created where the file gives none, `?dryRun=` writes
nothing. The tracker export answers its report as before (`created`/`unchanged`/`skipped`); the
v2 seed and the CSV exports answer `format`, `created`, `skipped`, `rejected` and `rejected_rows`.
Keys are snake_case, as in the files: this view neither camelizes nor underscoreizes. Finance
staff only: a file may carry adjustments (the v2 seed), which no integration may record (API.md's
integration role creates workers, tasks, worklogs and segments, one request or one batch at a time).
"""

from decimal import Decimal

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filtersets import query_value
from api.parsers import PayloadTooLarge, check_charset, read_body
from api.permissions import IsFinanceStaff
from core.money import parse_money
from worklogs.api.import_schemas import EXPORT_SCHEMA, FILE_REPORT_SCHEMA, REPORT_SCHEMA, V2_SCHEMA
from worklogs.importer import FORMATS, import_file

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


class ImportView(APIView):
    permission_classes = [IsFinanceStaff]
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
            200: {"anyOf": [REPORT_SCHEMA, FILE_REPORT_SCHEMA]},
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
            "without its columns) is 400. Finance staff only (a file may carry adjustments)."
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
