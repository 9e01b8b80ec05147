"""`django.contrib.admin` with the finance dashboard's site as `admin.site` (backoffice/sites.py).

Named in INSTALLED_APPS in place of `django.contrib.admin` (Django's way to replace the default
site); a module of its own, since importing it must not import any model."""

from django.contrib.admin.apps import AdminConfig


class FinanceAdminConfig(AdminConfig):
    default_site = "backoffice.sites.FinanceAdminSite"
