import re

from django.db.models.expressions import RawSQL
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from api.filtersets import query_value
from core.ids import MAX_ID

WHOLE_NUMBER = re.compile(r"[0-9]{1,19}")
COUNT_COLUMN = "_list_capped_count"


def _row_id(row) -> int:
    """A page row's id: a model instance, or a `values_list` row whose first column is the id."""
    return row[0] if isinstance(row, tuple) else row.pk


class PageNumberPagination(pagination.PageNumberPagination):
    """Two ways through a list ordered by id, both answering `{next, previous, results}`:

    - `?page=` (with `?pageSize=`, at most 500) as before, plus `count`: an OFFSET, so a deep page
      costs as much as the rows before it;
    - without `page`, keyset pages by id (`?after=<id>`, `?before=<id>`; `next` carries them): any
      page, the first or the last of 200,000 rows, reads `pageSize` index entries. `count` where it
      is cheap (API.md): one count that stops at `COUNT_CAP` + 1 rows, so a list of up to 1,000
      rows is always counted and a longer one is not, and every page costs the same queries
      (counting is the one cost that grows with the list: 60 ms for 200,000 worklogs against ~5 ms
      for the page itself). Ask for `?page=` to count any list.
    A list not ordered by id alone always uses page numbers.
    """

    page_size = 50
    page_size_query_param = "pageSize"
    max_page_size = 500
    keyset_params = ("after", "before")
    COUNT_CAP = 1000

    def paginate_queryset(self, queryset, request, view=None):
        self.keyset = self.page_query_param not in request.query_params and tuple(queryset.query.order_by) in (
            ("pk",),
            ("id",),
        )
        if not self.keyset:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        size = self.get_page_size(request)
        assert size is not None  # page_size is set, so DRF never answers None
        after, before = (self._id_param(request, name) for name in self.keyset_params)
        counted = self._capped_count_sql(queryset)
        if before is not None:
            page = queryset.filter(pk__lt=before).order_by("-pk")
        else:
            page = queryset.filter(pk__gt=after) if after is not None else queryset
        rows, counts = self._rows_and_count(page.annotate(**{COUNT_COLUMN: counted})[: size + 1])
        if before is not None:
            self.has_before, self.has_after = len(rows) > size, True
            rows = rows[:size][::-1]
        else:
            self.has_before, self.has_after = after is not None, len(rows) > size
            rows = rows[:size]
        self.rows = rows
        # An empty page carries no count: ask for it alone (past the end, or an empty list).
        count = counts[0] if counts else queryset.order_by().values("pk")[: self.COUNT_CAP + 1].count()
        self.keyset_count = count if count <= self.COUNT_CAP else None
        return rows

    def _capped_count_sql(self, queryset) -> RawSQL:
        """The list's length up to COUNT_CAP + 1 (it reads that many index entries at most), as a
        scalar subquery the page's own statement carries: one round trip a page, not two."""
        sql, params = queryset.order_by().values("pk")[: self.COUNT_CAP + 1].query.sql_with_params()
        return RawSQL(f"SELECT COUNT(*) FROM ({sql}) capped", params)  # noqa: S608, S611 (the ORM's own SQL)

    @staticmethod
    def _rows_and_count(page) -> tuple[list, list[int]]:
        """The page's rows without the count column, and the count each row carried."""
        rows = list(page)
        if rows and isinstance(rows[0], tuple):  # values_list: the annotation is the last column
            return [row[:-1] for row in rows], [row[-1] for row in rows]
        if rows and isinstance(rows[0], dict):
            return rows, [row.pop(COUNT_COLUMN) for row in rows]
        return rows, [getattr(row, COUNT_COLUMN) for row in rows]

    def _whole_number(self, request, name: str, *, low: int, high: int) -> int | None:
        """A query parameter given once, as the digits 0-9, within [low, high]; None when absent.

        `int()` alone also reads "1_0", " 7 " and non-ASCII digits, and DRF ignores a bad pageSize.
        """
        raw = query_value(request.query_params, name)
        if raw is None:
            return None
        if not WHOLE_NUMBER.fullmatch(raw) or not low <= int(raw) <= high:
            raise ValidationError({name: [f"Give a whole number from {low} to {high}, with the digits 0-9."]})
        return int(raw)

    def _id_param(self, request, name: str) -> int | None:
        return self._whole_number(request, name, low=0, high=MAX_ID)

    def get_page_size(self, request) -> int:
        size = self._whole_number(request, self.page_size_query_param, low=1, high=MAX_ID)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        """`?page=` as a whole number (or "last"); a page past the end stays DRF's 404."""
        raw = query_value(request.query_params, self.page_query_param)
        if raw in self.last_page_strings:
            return paginator.num_pages
        number = self._whole_number(request, self.page_query_param, low=1, high=MAX_ID)
        return 1 if number is None else number

    def _keyset_link(self, name: str, value: int) -> str:
        assert self.request is not None  # set by paginate_queryset before any link is built
        url = self.request.build_absolute_uri()
        for param in self.keyset_params:
            url = remove_query_param(url, param)
        return replace_query_param(url, name, value)

    def get_paginated_response(self, data):
        if not self.keyset:
            return super().get_paginated_response(data)
        next_link = self._keyset_link("after", _row_id(self.rows[-1])) if self.rows and self.has_after else None
        previous_link = self._keyset_link("before", _row_id(self.rows[0])) if self.rows and self.has_before else None
        body = {"count": self.keyset_count} if self.keyset_count is not None else {}
        return Response({**body, "next": next_link, "previous": previous_link, "results": data})

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["results"]
        response["properties"]["count"]["description"] = "With ?page=, or when the whole list fits on one page."
        return response

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            *(
                {
                    "name": name,
                    "required": False,
                    "in": "query",
                    "description": f"Keyset page: the rows with an id {'above' if name == 'after' else 'below'} this.",
                    "schema": {"type": "integer"},
                }
                for name in self.keyset_params
            ),
        ]
