"""The audit trail. Append-only: a PostgreSQL trigger refuses UPDATE and DELETE (migration 0002)."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One change, by one actor (null for the system: a scheduled run, a provider's event).

    `changes` is `{"field": [old, new]}` with values as the API writes them (money as "40.00",
    dates as ISO strings); `actor_username` keeps the name the actor had at the time.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["object_type", "object_id", "id"], name="auditevent_object"),
            models.Index(fields=["actor", "id"], name="auditevent_actor"),
        ]

    def __str__(self) -> str:
        who = self.actor_username or "system"
        return f"{self.at:%Y-%m-%d %H:%M} {who} {self.action} {self.object_type} {self.object_id}"
