"""Every URL of the project: the admin and its second factor, the token endpoints, each app's API, schema and docs."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from api.auth_views import LogoutView, ObtainTokenView
from audit.api.users import RevokeUserTokensView
from backoffice.second_factor import views as second_factor

urlpatterns = [
    # Health, readiness and metrics: anonymous or network-restricted, outside the API (ops/urls.py).
    path("", include("ops.urls")),
    # Before admin/: the admin's own catch-all would answer these paths with a 404.
    path("admin/second-factor/", second_factor.setup, name="second-factor-setup"),
    path(
        "admin/second-factor/recovery-codes/",
        second_factor.renew_recovery_codes,
        name="second-factor-recovery-codes",
    ),
    path("admin/", admin.site.urls),
    path("api/auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("api/auth/logout/", LogoutView.as_view(), name="api-logout"),
    path("api/users/<int:pk>/revoke-tokens/", RevokeUserTokensView.as_view(), name="api-user-revoke-tokens"),
    path("", include("worklogs.api.urls")),
    path("", include("settlements.api.urls")),
    path("api/", include("config.api_router")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    re_path(r"^redoc/?$", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

# A 404 of an API path is JSON, like every other answer of the API (api/error_views.py).
handler404 = "api.error_views.not_found"
