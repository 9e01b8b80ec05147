from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from config.token_views import obtain_auth_token
from settlements.exports import RunRemittancesCSVView
from settlements.run_views import SettlementRunResumeView
from settlements.views import GenerateRemittancesView, RemittanceViewSet, SettlementRunViewSet, WorkerBalanceView
from settlements.webhooks import PayoutEventView
from worklogs.import_views import ImportView
from worklogs.views import (
    AdjustmentViewSet,
    ListAllWorklogsView,
    SegmentViewSet,
    TaskViewSet,
    WorkerViewSet,
    WorkLogViewSet,
)

router = DefaultRouter()
router.register("workers", WorkerViewSet, basename="worker")
router.register("tasks", TaskViewSet, basename="task")
router.register("worklogs", WorkLogViewSet, basename="worklog")
router.register("segments", SegmentViewSet, basename="segment")
router.register("adjustments", AdjustmentViewSet, basename="adjustment")
router.register("remittances", RemittanceViewSet, basename="remittance")
router.register("settlement-runs", SettlementRunViewSet, basename="settlement-run")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/token/", obtain_auth_token, name="api-token"),
    path("api/workers/<int:pk>/balance/", WorkerBalanceView.as_view(), name="worker-balance"),
    path("api/workers/<int:pk>/statement/", include("settlements.statement_views")),
    path("api/settlement-runs/<int:pk>/resume/", SettlementRunResumeView.as_view(), name="settlement-run-resume"),
    path("api/payout-events/", PayoutEventView.as_view(), name="payout-events"),
    path(
        "api/settlement-runs/<int:pk>/remittances.csv",
        RunRemittancesCSVView.as_view(),
        name="settlement-run-remittances-csv",
    ),
    path("api/imports/", ImportView.as_view(), name="imports"),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    re_path(r"^redoc/?$", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # The seed's two endpoints; the trailing slash is optional on both.
    re_path(r"^generate-remittances-for-all-users/?$", GenerateRemittancesView.as_view(), name="generate-remittances"),
    re_path(r"^list-all-worklogs/?$", ListAllWorklogsView.as_view({"get": "list"}), name="list-all-worklogs"),
]

# A 404 of an API path is JSON, like every other answer of the API (config/error_views.py).
handler404 = "config.error_views.not_found"
