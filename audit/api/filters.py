from django_filters import rest_framework as filters

from api.filtersets import StrictFilterSet
from audit.models import Action, AuditEvent, ObjectType


class AuditEventFilter(StrictFilterSet):
    objectType = filters.ChoiceFilter(choices=ObjectType.choices, field_name="object_type")  # noqa: N815 - the API's own names
    objectId = filters.CharFilter(field_name="object_id", max_length=64, help_text="The object's id.")  # noqa: N815
    actor = filters.CharFilter(field_name="actor_username", max_length=150, help_text="A username: what that user did.")
    action = filters.ChoiceFilter(choices=Action.choices)

    class Meta:
        model = AuditEvent
        fields: list[str] = []
