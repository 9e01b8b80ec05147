"""Who did what: an append-only trail of every change to money and to who gets paid.

Services record an `AuditEvent` in the same transaction as the change they make (`audit_record`),
with the actor, the action, the object and the changed fields' old and new values as the API
writes them. Finance reads it at `GET /api/audit-events/` and in the admin."""
