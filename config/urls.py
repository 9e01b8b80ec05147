from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from settlements.exports import RunRemittancesCSVView
from settlements.run_views import SettlementRunResumeView
from settlements.views import GenerateRemittancesView, WorkerBalanceView
from settlements.webhooks import PayoutEventView

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
    path("", include("worklogs.api.urls")),
    path("api/", include("config.api_router")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    re_path(r"^redoc/?$", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # The seed's generate endpoint; the trailing slash is optional.
    re_path(r"^generate-remittances-for-all-users/?$", GenerateRemittancesView.as_view(), name="generate-remittances"),
]
