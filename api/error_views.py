"""Django's own 404 (no URL matched, e.g. `/api/segments/abc/`) as JSON for API clients.

A path no route matches never reaches DRF, so its 404 would be Django's HTML page; the API's
schema promises `{"detail": ...}` for every 404 of an API path. Other paths (the admin, docs)
keep the HTML page.
"""

from django.http import JsonResponse
from django.views.defaults import page_not_found

API_PREFIXES = ("/api/", "/generate-remittances-for-all-users", "/list-all-worklogs")


def not_found(request, exception=None):
    if request.path.startswith(API_PREFIXES):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
