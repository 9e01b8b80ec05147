from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?pageSize=` (at most 500), answering `{count, next, previous, results}`."""

    page_size = 50
    page_size_query_param = "pageSize"
    max_page_size = 500
