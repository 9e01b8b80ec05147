"""The bench gunicorn's URLconf: every URL of the product, then the floors under `bench-floor/`.

Loaded only through `devtools.bench.floors.settings`, which only the bench's gunicorn uses; the
product's own URLs resolve as in production (the floors come last).
"""

from django.urls import path

from config.urls import handler404
from config.urls import urlpatterns as product_urlpatterns
from devtools.bench.floors import views

__all__ = ["handler404", "urlpatterns"]

urlpatterns = [
    *product_urlpatterns,
    path("bench-floor/list-all-worklogs", views.list_floor),
    path("bench-floor/worklogs/<int:worklog_id>/segments/", views.segment_floor),
]
