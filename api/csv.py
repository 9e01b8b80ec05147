"""CSV for finance spreadsheets and bank files, streamed so a large export never sits in memory.

`CSVExportMixin` gives a list view `?format=csv`: the same queryset and filters as its JSON pages,
every row (no pagination), written as the database cursor is read (`stream_by_key`).
"""

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.http import StreamingHttpResponse
from djangorestframework_camel_case.render import CamelCaseJSONRenderer
from rest_framework.renderers import BaseRenderer

if TYPE_CHECKING:
    from rest_framework import generics, mixins

    class _ListView(mixins.ListModelMixin, generics.GenericAPIView[Any]):
        """What the mixin is mixed into, for the type checker (at run time it derives from object)."""

else:
    _ListView = object

CHUNK_SIZE = 2000
_M = TypeVar("_M", bound=Model)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CSVRenderer(BaseRenderer):
    """Lets content negotiation accept `?format=csv` / `Accept: text/csv`; the views stream the body."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only reached for an answer a view did not stream itself (errors are switched to JSON).
        return json.dumps(data, default=str).encode()


def stream_by_key(queryset: QuerySet[_M], *, chunk_size: int = CHUNK_SIZE) -> Iterator[_M]:
    """Every row of a queryset ordered by primary key, never all in memory.

    One query read through a server-side cursor (`iterator`), as it goes. Behind a transaction-pooling
    PgBouncer (DATABASE_POOLER=pgbouncer, so DISABLE_SERVER_SIDE_CURSORS) a cursor cannot outlive its
    transaction, and `iterator` would fetch the whole result at once: there the rows come in pages of
    `chunk_size` by primary key, one query each (each page a snapshot of its own moment).
    """
    if not connections[queryset.db].settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    if list(queryset.query.order_by) not in (["pk"], ["id"]):
        raise ValueError("stream_by_key needs a queryset ordered by primary key")
    page = list(queryset[:chunk_size])
    while page:
        yield from page
        if len(page) < chunk_size:
            return
        page = list(queryset.filter(pk__gt=page[-1].pk)[:chunk_size])


def safe_text(value) -> str:
    """Free text for a spreadsheet cell: a leading =, +, -, @ would run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


def csv_response(lines: Iterator[str], *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class JSONErrorsMixin(_ListView):
    """Errors (a bad filter value, 403, 404) are JSON even when the client asked for CSV."""

    def handle_exception(self, exc):
        if getattr(self.request, "accepted_renderer", None) and self.request.accepted_renderer.format == "csv":
            self.request.accepted_renderer = CamelCaseJSONRenderer()
            self.request.accepted_media_type = CamelCaseJSONRenderer.media_type
        return super().handle_exception(exc)


class CSVExportMixin(JSONErrorsMixin):
    """`?format=csv` on a list view: every filtered row as a streamed CSV download."""

    csv_filename = "export.csv"
    csv_header: list[str] = []
    csv_rows: Callable[[QuerySet], Iterable[list]]

    def get_renderers(self):
        renderers = super().get_renderers()
        return [*renderers, CSVRenderer()] if getattr(self, "action", None) == "list" else renderers

    def list(self, request, *args, **kwargs):
        if getattr(request, "accepted_renderer", None) and request.accepted_renderer.format == "csv":
            queryset = self.filter_queryset(self.get_queryset())
            return csv_response(csv_stream(self.csv_header, self.csv_rows(queryset)), filename=self.csv_filename)
        return super().list(request, *args, **kwargs)
