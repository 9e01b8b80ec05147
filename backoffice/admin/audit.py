"""The audit trail in the admin: read-only, searchable by object and actor."""

from django.contrib import admin

from audit.models import AuditEvent
from backoffice.common import ImmutableAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ImmutableAdmin):
    list_display = ["id", "at", "actor_username", "action", "object_type", "object_id", "changes"]
    list_filter = ["object_type", "action"]
    search_fields = ["=object_id", "actor_username", "action"]
    date_hierarchy = "at"
