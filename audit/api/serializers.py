from rest_framework import serializers

from audit.models import Action, AuditEvent, ObjectType


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor_username", allow_null=True, help_text="The username, or null: the system acted."
    )
    action = serializers.ChoiceField(choices=Action.choices, help_text="`<objectType>.<verb>`: see docs/API.md.")
    object_type = serializers.ChoiceField(choices=ObjectType.choices)
    changes = serializers.DictField(
        child=serializers.ListField(min_length=2, max_length=2),
        help_text='{"field": [old, new]}, field names and values as the API writes them (money "40.00"); '
        "null old: the object was created.",
    )

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "action", "object_type", "object_id", "changes"]

    def to_representation(self, instance: AuditEvent) -> dict:
        data = super().to_representation(instance)
        data["actor"] = instance.actor_username or None  # the system acted: a run, a provider
        return data
