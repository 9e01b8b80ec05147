"""Settlement runs and the chunks of their plan (see the package's docstring for the invariants)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.db_guards import four_eyes_check


class RunStatus(models.TextChoices):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


# Not a stored status: how the API and the admin show a RUNNING run whose lease has expired (the
# process executing it died, or lost its database). Anyone may resume it; see `SettlementRun`.
RUN_STALLED = "STALLED"

# A run's approval state (`SettlementRun.approval_state`), derived from its columns.
APPROVAL_PENDING = "pending"
APPROVAL_APPROVED = "approved"
APPROVAL_REJECTED = "rejected"
APPROVAL_NOT_REQUIRED = "not_required"
APPROVAL_STATES = (APPROVAL_PENDING, APPROVAL_APPROVED, APPROVAL_REJECTED, APPROVAL_NOT_REQUIRED)


class SettlementRun(models.Model):
    """A settlement run for one period end, executed in chunks (`SettlementRunChunk`).

    One execution at a time, enforced by the database: an execution first takes the run's lease
    with one conditional UPDATE (`lease_owner`, a random id per execution, and `lease_expires_at`,
    in the database's clock), which succeeds only when no lease is held or the one held expired.
    Every chunk renews the lease in its own transaction and commits only while its execution still
    holds it. A RUNNING run whose lease expired is stalled (`RUN_STALLED` in the API): resumable by
    anyone. No session-level lock is used, so this holds behind a transaction-pooling proxy.

    `workers_done` moves only inside a chunk's transaction, by the workers of the chunk row that
    transaction marks done, so it always equals the committed chunks' workers (≤ `workers_total`,
    a CHECK). `idempotency_key` is the `Idempotency-Key` of the generate request that created the
    run, unique per user: repeats of that request find this run.

    Four-eyes approval: `approval_required` is the setting at creation. Such a run is decided once,
    approved (`approved_by`, `approved_at`) or rejected (`rejected_*`, its PENDING remittances
    cancelled), never both (CHECKs); its approver is never its creator (CHECK
    `run_approver_not_creator`); a trigger refuses a payout submission for its remittances until it
    is approved, and (PostgreSQL) any later change of the decision.
    """

    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    # When its first execution took it (a run queued for the workers waits between the two).
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    workers_total = models.PositiveIntegerField(default=0)
    workers_done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    lease_owner = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    approval_required = models.BooleanField(default=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            four_eyes_check(maker="created_by", checker="approved_by", name="run_approver_not_creator"),
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True, approved_by__isnull=True)
                | Q(approved_at__isnull=False, approved_by__isnull=False, approval_required=True),
                name="run_approval_complete",
            ),
            models.CheckConstraint(
                condition=Q(rejected_at__isnull=True, rejected_by__isnull=True)
                | Q(rejected_at__isnull=False, rejected_by__isnull=False, approval_required=True),
                name="run_rejection_complete",
            ),
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True) | Q(rejected_at__isnull=True), name="run_approved_or_rejected"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="run_one_per_user_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(idempotency_key__isnull=True) | Q(created_by__isnull=False),
                name="run_idempotency_key_has_user",
            ),
            models.CheckConstraint(condition=Q(workers_done__lte=F("workers_total")), name="run_progress_within_total"),
        ]

    def __str__(self) -> str:
        return f"Run #{self.pk} to {self.period_end}"

    @property
    def stalled(self) -> bool:
        """RUNNING, but nobody holds a live lease: its execution died. (Display only: the claim itself
        compares the lease with the database's clock.)"""
        if self.status != RunStatus.RUNNING:
            return False
        return self.lease_expires_at is None or self.lease_expires_at <= timezone.now()

    @property
    def shown_status(self) -> str:
        return RUN_STALLED if self.stalled else self.status

    @property
    def awaiting_approval(self) -> bool:
        """Its remittances may not be submitted or exported yet (four-eyes approval)."""
        return self.approval_required and self.approved_at is None

    @property
    def approval_state(self) -> str:
        """`pending`, `approved`, `rejected`, or `not_required` (the run was created with approval off)."""
        if not self.approval_required:
            return APPROVAL_NOT_REQUIRED
        if self.approved_at is not None:
            return APPROVAL_APPROVED
        if self.rejected_at is not None:
            return APPROVAL_REJECTED
        return APPROVAL_PENDING


class SettlementRunChunk(models.Model):
    """One chunk of a run's plan: the workers one transaction settles.

    A run's chunks are written once, by its first execution; a resume settles the chunks not yet
    done, so a `--worker` run resumes with its own workers and a worker created meanwhile waits for
    the next run. `done_at` is set (once: the UPDATE requires it null) in the transaction that
    settles the chunk, by the execution `done_by`; that same transaction adds `workers` to the
    run's `workers_done`. A chunk redone by a later execution (after a crash the first never knew
    committed) finds it done and counts nothing.
    """

    run = models.ForeignKey(SettlementRun, on_delete=models.PROTECT, related_name="chunks")
    seq = models.PositiveIntegerField()
    worker_ids = models.JSONField()
    workers = models.PositiveIntegerField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.UUIDField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="run_chunk_unique_seq")]

    def __str__(self) -> str:
        return f"Run {self.run_id} chunk {self.seq} ({self.workers} workers{', done' if self.done_at else ''})"
