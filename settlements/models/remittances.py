"""Settlement runs, remittances (one payout attempt for one worker) and the claims of items.

Invariants the database enforces:
- a worker has at most one live (PENDING, PROCESSING or PAID) remittance per period end
  (partial unique index `remittance_one_live_per_worker_period`);
- an item is claimed at most once per generation (`claim_one_per_item_generation`). A claim row is
  never updated or deleted: an item whose latest claim's remittance is FAILED, CANCELLED or RETURNED is free
  again, and the next claim takes the next generation, so two runs that both saw it free collide
  on the unique index and only one commits.
- a run's approval (four-eyes): `approval_required` is snapshotted from `SETTLEMENT_APPROVAL_REQUIRED`
  when the run is created; while such a run is not approved, a trigger (SQLite and PostgreSQL)
  refuses any payout submission of its remittances, and a CHECK refuses an approver who created it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.money import MoneyField
from settlements.models.runs import SettlementRun
from worklogs.models import Item, Worker, WorkLog


class RemittanceStatus(models.TextChoices):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    PAID = "PAID"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    # The bank or provider sent a paid transfer back: final, its items are released like FAILED.
    RETURNED = "RETURNED"


LIVE_REMITTANCE_STATUSES = (RemittanceStatus.PENDING, RemittanceStatus.PROCESSING, RemittanceStatus.PAID)
OPEN_REMITTANCE_STATUSES = (RemittanceStatus.PENDING, RemittanceStatus.PROCESSING)

# The state machine: status -> statuses it may move to. FAILED, CANCELLED and RETURNED are final;
# PAID -> RETURNED is the one move out of PAID.
REMITTANCE_TRANSITIONS: dict[str, set[str]] = {
    RemittanceStatus.PENDING: {
        RemittanceStatus.PROCESSING,
        RemittanceStatus.PAID,
        RemittanceStatus.FAILED,
        RemittanceStatus.CANCELLED,
    },
    RemittanceStatus.PROCESSING: {RemittanceStatus.PAID, RemittanceStatus.FAILED},
    RemittanceStatus.PAID: {RemittanceStatus.RETURNED},
    RemittanceStatus.FAILED: set(),
    RemittanceStatus.CANCELLED: set(),
    RemittanceStatus.RETURNED: set(),
}
# Statuses whose items are free again for the next run (what `LIVE_REMITTANCE_STATUSES` is not).
RELEASED_REMITTANCE_STATUSES = (RemittanceStatus.FAILED, RemittanceStatus.CANCELLED, RemittanceStatus.RETURNED)


class Remittance(models.Model):
    """One payout attempt for one worker. `amount` = sum of its claims' amounts, always > 0."""

    run = models.ForeignKey(SettlementRun, on_delete=models.PROTECT, related_name="remittances")
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="remittances")
    period_end = models.DateField()
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=RemittanceStatus.choices, default=RemittanceStatus.PENDING)
    provider_reference = models.CharField(max_length=200, blank=True)
    status_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "period_end"],
                condition=Q(status__in=["PENDING", "PROCESSING", "PAID"]),
                name="remittance_one_live_per_worker_period",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="remittance_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["worker", "status"], name="remittance_worker_status"),
            models.Index(fields=["status", "id"], name="remittance_status_id"),
        ]

    def __str__(self) -> str:
        return f"Remittance #{self.pk} {self.amount} {self.currency} {self.status}"


class Claim(models.Model):
    """An item taken into a remittance. Append-only: see the module docstring.

    The references carry no database foreign keys and no indexes of their own: a run writes
    millions of claims, and three deferred FK checks per row cost more than the whole insert
    (docs/PERFORMANCE.md). What those checks would prove holds anyway: claims are only written by
    `settlements.services.runs._claim_staged_items`, which joins the very items and remittances it
    references; items, remittances and worklogs are never deleted (PostgreSQL triggers,
    `on_delete=PROTECT` in Django); and `audit_totals` checks every claim against its item. The
    unique (item, generation) index and the (remittance, worklog) index serve every lookup.
    """

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="claims", db_constraint=False, db_index=False)
    generation = models.PositiveSmallIntegerField()
    remittance = models.ForeignKey(
        Remittance, on_delete=models.PROTECT, related_name="claims", db_constraint=False, db_index=False
    )
    worklog = models.ForeignKey(
        WorkLog, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    amount = MoneyField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "generation"], name="claim_one_per_item_generation"),
        ]
        indexes = [models.Index(fields=["remittance", "worklog"], name="claim_remittance_worklog")]

    def __str__(self) -> str:
        return f"Item {self.item_id} in remittance {self.remittance_id} (generation {self.generation})"


class RemittanceEvent(models.Model):
    """The history of a remittance's status, one row per transition."""

    remittance = models.ForeignKey(Remittance, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    reason = models.TextField(blank=True)
    provider_reference = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} -> {self.to_status}"
