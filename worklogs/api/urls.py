"""The worklogs API's paths that are not router resources (config/api_router.py registers those)."""

from django.urls import path, re_path

from worklogs.api.batch import SegmentBatchView
from worklogs.api.imports import ImportView
from worklogs.api.views import ListAllWorklogsView

urlpatterns = [
    path("api/imports/", ImportView.as_view(), name="imports"),
    path("api/segments/batch/", SegmentBatchView.as_view(), name="segments-batch"),
    # The seed's list endpoint; the trailing slash is optional.
    re_path(r"^list-all-worklogs/?$", ListAllWorklogsView.as_view({"get": "list"}), name="list-all-worklogs"),
]
