"""The admin site: Django's, with the finance dashboard on its home page (templates/admin/finance_index.html).

Installed as the default site by `backoffice.apps.FinanceAdminConfig` (in INSTALLED_APPS in place of
`django.contrib.admin`), so `admin.site` and every `@admin.register` are this site. Finance staff see
the dashboard above the usual list of models; anyone else sees the list alone.
"""

from django.contrib import admin

from api.permissions import is_finance
from backoffice.dashboard import dashboard_context


class FinanceAdminSite(admin.AdminSite):
    index_template = "admin/finance_index.html"

    def index(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        if is_finance(request.user):
            extra_context["dashboard"] = dashboard_context()
        return super().index(request, extra_context)
