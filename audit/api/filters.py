from django_filters import rest_framework as filters

from audit.models import AuditEvent


class AuditEventFilter(filters.FilterSet):
    objectType = filters.CharFilter(field_name="object_type")  # noqa: N815 - the API's own names
    objectId = filters.CharFilter(field_name="object_id")  # noqa: N815
    actor = filters.CharFilter(field_name="actor_username", help_text="A username.")

    class Meta:
        model = AuditEvent
        fields: list[str] = []
