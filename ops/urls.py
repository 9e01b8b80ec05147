"""The operations endpoints, outside the API (no authentication class, not in the OpenAPI schema)."""

from django.urls import path

from ops.health.views import healthz, readyz
from ops.metrics.views import metrics

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
]
