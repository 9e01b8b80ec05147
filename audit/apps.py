from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # Connects the receiver that records group membership changes (audit/users.py).
        from audit import users  # noqa: F401
