"""The stored answers of `Idempotency-Key` requests (`api.idempotency`)."""

from django.db import models


class IdempotencyKey(models.Model):
    """A stored answer to a money-creating POST, replayed for a repeat with the same key and body."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table was created by the ledger app, where this model lived first (api/migrations/0001).
        db_table = "ledger_idempotencykey"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.key} ({self.method} {self.path})"
