"""`GET /api/audit-events/?objectType=&objectId=&actor=`: who changed what (finance only)."""

from rest_framework import mixins, viewsets

from api.permissions import IsFinanceStaff
from audit import selectors
from audit.api.filters import AuditEventFilter
from audit.api.serializers import AuditEventSerializer


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AuditEventSerializer
    permission_classes = [IsFinanceStaff]
    filterset_class = AuditEventFilter

    def get_queryset(self):
        return selectors.audit_event_list()
