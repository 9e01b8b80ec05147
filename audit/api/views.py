"""`GET /api/audit-events/?objectType=&objectId=&actor=&action=`: who changed what (finance only)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from api.fields import ID_IN_PATH
from api.permissions import IsFinanceStaff
from audit import selectors
from audit.api.filters import AuditEventFilter
from audit.api.serializers import AuditEventSerializer

LIST_DESCRIPTION = """The audit trail, oldest first, paginated like every list: one event per change to money or
to who gets paid, written by the service that made the change in the same transaction, so an event
exists exactly when its change committed. Append-only (the database refuses UPDATE and DELETE).

`actor` is the username of who acted, or null when the system did (a run started by a command, the
payout outbox, a provider's event, an import from the command line). `changes` holds the changed
fields as `{"field": [old, new]}`, named and written as the API writes them (money `"40.00"`,
instants in `TIME_ZONE`); `old` is null for an object's creation. The actions are listed in
docs/API.md ("The audit trail")."""


@extend_schema_view(
    list=extend_schema(description=LIST_DESCRIPTION),
    retrieve=extend_schema(description="One event of the audit trail."),
)
class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID_IN_PATH
    serializer_class = AuditEventSerializer
    permission_classes = [IsFinanceStaff]
    filterset_class = AuditEventFilter

    def get_queryset(self):
        return selectors.audit_event_list()
