"""Workers, tasks, worklogs, the time segments recorded on them, and their money items.

Money lives only in `Item` rows: immutable, created by `worklogs.services` under the worklog lock,
each with its exact value and its cents fixed at creation (API.md's rounding rule). The totals on
`WorkLog` are caches of those items, maintained under the same lock and recomputed by
`manage.py audit_totals`.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.money import ExactField, MoneyField

LIVE_SEGMENT_STATUSES = ("ACTIVE", "DISPUTED")


class WorkLogRemittanceStatus(models.TextChoices):
    REMITTED = "REMITTED"
    UNREMITTED = "UNREMITTED"


# API.md: a worklog is REMITTED when it has at least one counted item and every counted item belongs
# to a PAID remittance. The rule is stated here once for Python and once for SQL, side by side.
REMITTED_Q = Q(item_count__gt=0, paid_item_count=F("item_count"))


def remittance_status_of(*, item_count: int, paid_item_count: int) -> str:
    remitted = item_count > 0 and paid_item_count == item_count
    return WorkLogRemittanceStatus.REMITTED if remitted else WorkLogRemittanceStatus.UNREMITTED


class Worker(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    currency = models.CharField(max_length=3, default="USD")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="worker",
        help_text="The login that may read this worker's data and record its segments.",
    )
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="worker_currency_iso4217"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (#{self.pk})"


class Task(models.Model):
    title = models.CharField(max_length=300)
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class WorkLog(models.Model):
    """All of one worker's work on one task.

    Invariants (audited): `amount` = sum of item cents = round(`exact_units`);
    `exact_units` = sum of item exact values; `item_count` = number of items; `remitted_amount` and
    `paid_item_count` = sum and count of items in PAID remittances.
    """

    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="worklogs")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="worklogs")
    hourly_rate = MoneyField()
    currency = models.CharField(max_length=3)
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Running totals: caches of the items, written only by services under this row's lock.
    exact_units = ExactField(default=0)
    amount = MoneyField(default=0)
    remitted_amount = MoneyField(default=0)
    item_count = models.PositiveIntegerField(default=0)
    paid_item_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["worker", "task"], name="worklog_one_per_worker_task"),
            models.CheckConstraint(
                condition=Q(hourly_rate__gt=0) & Q(hourly_rate__lte=10000), name="worklog_rate_range"
            ),
            models.CheckConstraint(condition=Q(paid_item_count__lte=F("item_count")), name="worklog_paid_le_items"),
        ]
        indexes = [
            # The list endpoint filters by status (item counts) and pages by id.
            models.Index(fields=["worker", "id"], name="worklog_worker_id"),
            models.Index(fields=["task", "id"], name="worklog_task_id"),
        ]

    def __str__(self) -> str:
        return f"WorkLog #{self.pk}: {self.worker_id} on {self.task_id}"

    @property
    def unremitted_amount(self):
        return self.amount - self.remitted_amount

    @property
    def remittance_status(self) -> str:
        return remittance_status_of(item_count=self.item_count, paid_item_count=self.paid_item_count)


class SegmentStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    DISPUTED = "DISPUTED"
    REMOVED = "REMOVED"
    SUPERSEDED = "SUPERSEDED"


class Segment(models.Model):
    """A span of time reported against a worklog, at the rate in force when it was recorded.

    Times are whole seconds. The earning item is created with the segment; removing or
    superseding adds a reversal item (the segment row only changes status).
    """

    worklog = models.ForeignKey(WorkLog, on_delete=models.PROTECT, related_name="segments")
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    seconds = models.PositiveIntegerField()
    work_date = models.DateField()
    hourly_rate = MoneyField()
    status = models.CharField(max_length=12, choices=SegmentStatus.choices, default=SegmentStatus.ACTIVE)
    external_id = models.CharField(max_length=200, null=True, blank=True)
    note = models.TextField(blank=True)
    dispute_reason = models.TextField(blank=True)
    status_reason = models.TextField(blank=True)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__gt=F("started_at")), name="segment_ends_after_start"),
            models.CheckConstraint(condition=Q(seconds__gt=0) & Q(seconds__lte=86400), name="segment_at_most_24h"),
            models.UniqueConstraint(
                fields=["worklog", "external_id"],
                condition=Q(external_id__isnull=False),
                name="segment_external_id_unique_per_worklog",
            ),
        ]
        indexes = [
            models.Index(fields=["worker", "started_at"], name="segment_worker_start"),
            models.Index(fields=["worklog", "id"], name="segment_worklog_id"),
        ]

    def __str__(self) -> str:
        return f"Segment #{self.pk} {self.started_at:%Y-%m-%d %H:%M}-{self.ended_at:%H:%M} {self.status}"


class Adjustment(models.Model):
    """A retroactive deduction (negative) or bonus (positive) on a worklog."""

    worklog = models.ForeignKey(WorkLog, on_delete=models.PROTECT, related_name="adjustments")
    amount = MoneyField()
    reason = models.TextField()
    effective_date = models.DateField(null=True, blank=True)
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0) & Q(amount__gte=-1000000) & Q(amount__lte=1000000),
                name="adjustment_amount_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Adjustment #{self.pk} {self.amount}"


class ItemKind(models.TextChoices):
    EARNING = "EARNING", "Segment earning"
    REVERSAL = "REVERSAL", "Reversal of an earning"
    ADJUSTMENT = "ADJUSTMENT", "Adjustment"


class Item(models.Model):
    """One immutable money fact on a worklog.

    Due for a run with period end E when `work_date` (earnings, and the reversal of an earning,
    which copies it) and `effective_date` (corrections, when given) are both null or <= E.
    `amount` is fixed at creation: round(exact total after) - round(exact total before).
    """

    worklog = models.ForeignKey(WorkLog, on_delete=models.PROTECT, related_name="items")
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=ItemKind.choices)
    exact_units = ExactField()
    amount = MoneyField()
    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.PROTECT, related_name="items")
    adjustment = models.OneToOneField(Adjustment, null=True, blank=True, on_delete=models.PROTECT, related_name="item")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    work_date = models.DateField(null=True, blank=True)
    effective_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="EARNING", segment__isnull=False, reverses__isnull=True, adjustment__isnull=True)
                    | Q(kind="REVERSAL", segment__isnull=False, reverses__isnull=False, adjustment__isnull=True)
                    | Q(kind="ADJUSTMENT", segment__isnull=True, reverses__isnull=True, adjustment__isnull=False)
                ),
                name="item_kind_shape",
            ),
        ]
        indexes = [
            models.Index(fields=["worker", "id"], name="item_worker_id"),
            # What a run for a period end leaves for later (`held_item_ids`): work after it, corrections
            # effective after it. Read by the next-run preview, whatever the size of the history.
            models.Index(fields=["work_date"], name="item_work_date"),
            models.Index(
                fields=["effective_date"], name="item_effective_date", condition=Q(effective_date__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.amount}"
