"""The admin site: Django's, with the finance dashboard on its home page (templates/admin/finance_index.html).

Installed as the default site by `backoffice.apps.FinanceAdminConfig` (in INSTALLED_APPS in place of
`django.contrib.admin`), so `admin.site` and every `@admin.register` are this site. Finance staff see
the dashboard above the usual list of models; anyone else sees the list alone.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.clickjacking import xframe_options_sameorigin

from api.permissions import is_finance
from backoffice.dashboard import dashboard_context, next_run_context


class FinanceAdminSite(admin.AdminSite):
    index_template = "admin/finance_index.html"

    def get_urls(self):
        next_run = self.admin_view(xframe_options_sameorigin(self.next_run_view))
        return [path("dashboard/next-run/", next_run, name="dashboard_next_run"), *super().get_urls()]

    def next_run_view(self, request):
        """The dashboard's "next run" figures, a page of their own that the dashboard frames
        (finance only; the same origin may frame it, nobody else)."""
        if not is_finance(request.user):
            raise PermissionDenied
        return TemplateResponse(
            request, "admin/dashboard/next_run.html", {**self.each_context(request), **next_run_context()}
        )

    def index(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        if is_finance(request.user):
            extra_context["dashboard"] = dashboard_context()
        return super().index(request, extra_context)
