"""Reading the audit trail: newest last, ordered by id like every list."""

from django.db.models import QuerySet

from audit.models import AuditEvent


def audit_event_list() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.order_by("pk")
