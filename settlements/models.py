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

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.money import MoneyField
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
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | Q(created_by__isnull=True) | ~Q(approved_by=F("created_by")),
                name="run_approver_not_creator",
            ),
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


class PayoutSubmissionStatus(models.TextChoices):
    PENDING = "PENDING"  # to submit, or to retry: attempts > 0 means a call may have reached the provider
    SUBMITTING = "SUBMITTING"  # claimed by one process until `lease_expires_at`; its call is under way
    SUBMITTED = "SUBMITTED"  # the provider accepted it; the remittance is PROCESSING
    IN_DOUBT = "IN_DOUBT"  # out of attempts without a known answer: finance reconciles, then retries
    REJECTED = "REJECTED"  # the provider refused it for good; a retry is a new submission with a new key
    SKIPPED = "SKIPPED"  # the remittance left PENDING before submission (cancelled, or settled by hand)


# A remittance has at most one submission in these statuses (a database index): the provider holds
# at most one live payout of it. REJECTED and SKIPPED are closed; a retry after them is a new row.
OPEN_SUBMISSION_STATUSES = (
    PayoutSubmissionStatus.PENDING,
    PayoutSubmissionStatus.SUBMITTING,
    PayoutSubmissionStatus.SUBMITTED,
    PayoutSubmissionStatus.IN_DOUBT,
)


def new_idempotency_key() -> str:
    """A random UUID: never derived from our ids, so a restore from backup, a second environment or
    a re-submission never meets a key the provider already knows."""
    return str(uuid.uuid4())


class PayoutSubmission(models.Model):
    """The outbox row of a remittance to submit to the payout provider (settlements/payouts/outbox.py).

    Written in the transaction that creates the remittance and submitted after commit by a
    background task. The provider is always called with `idempotency_key` (a random UUID, unique in
    the database, never reused), so a retry after a crash at any step never creates a second payout;
    before calling again after an attempt whose answer was lost, the outbox asks the provider
    whether it knows the key (`lookup`). A submission is claimed for one call (SUBMITTING until
    `lease_expires_at`, owned by `lease_owner`): no row lock is held while the provider is called.
    """

    remittance = models.ForeignKey(Remittance, on_delete=models.PROTECT, related_name="payout_submissions")
    idempotency_key = models.CharField(max_length=100, unique=True, default=new_idempotency_key)
    gateway = models.CharField(max_length=20)
    status = models.CharField(
        max_length=10, choices=PayoutSubmissionStatus.choices, default=PayoutSubmissionStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The sweeper's schedule: not before this instant (null: at once). Backoff doubles per attempt.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    in_doubt_reason = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "id"], name="payoutsubmission_status_id")]
        constraints = [
            models.UniqueConstraint(
                fields=["remittance"],
                condition=Q(status__in=["PENDING", "SUBMITTING", "SUBMITTED", "IN_DOUBT"]),
                name="payoutsubmission_one_open_per_remittance",
            ),
            models.CheckConstraint(
                condition=~Q(status="SUBMITTED") | ~Q(provider_reference=""),
                name="payoutsubmission_submitted_has_reference",
            ),
            models.CheckConstraint(
                condition=~Q(status="IN_DOUBT") | ~Q(in_doubt_reason=""),
                name="payoutsubmission_in_doubt_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="SUBMITTING") | Q(lease_owner__isnull=False, lease_expires_at__isnull=False),
                name="payoutsubmission_submitting_has_lease",
            ),
        ]

    def __str__(self) -> str:
        return f"Payout of remittance {self.remittance_id} ({self.status}, {self.attempts} attempts)"


class ProcessorEvent(models.Model):
    """One accepted (signed) payout-provider event, stored raw. Append-only.

    `event_id` is unique: a replay finds the stored row and changes nothing. `outcome` says what
    the event did (applied, or why it was ignored); `remittance` is null when it named none we know.
    """

    event_id = models.CharField(max_length=200, unique=True)
    type = models.CharField(max_length=100)
    raw_body = models.TextField()
    signature_header = models.CharField(max_length=1000)
    # The gateway whose adapter verified it, and the provider's payout reference it names: an event
    # received before its submission's outcome was recorded is found by it (`events.py`).
    gateway = models.CharField(max_length=20, blank=True)
    provider_reference = models.CharField(max_length=200, blank=True, db_index=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    remittance = models.ForeignKey(
        Remittance, null=True, blank=True, on_delete=models.PROTECT, related_name="processor_events"
    )
    outcome = models.CharField(max_length=30)
    detail = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}: {self.outcome}"


class AdviceEmailStatus(models.TextChoices):
    PENDING = "PENDING"  # to send, or to retry after `next_attempt_at`
    SENT = "SENT"
    SKIPPED = "SKIPPED"  # the worker had no e-mail address when the remittance was paid


class AdviceEmail(models.Model):
    """The e-mail of a PAID remittance's advice to its worker (settlements/advice/mail.py): the outbox
    row written in the transaction that marks the remittance PAID, sent by a task after the commit,
    retried with a growing delay while the mail server fails. Never part of the payment: a failure
    here changes no money. `next_attempt_at` is also the sender's claim (a conditional UPDATE), so
    two senders never send the same advice twice at once."""

    remittance = models.OneToOneField(Remittance, on_delete=models.PROTECT, related_name="advice_email")
    to_address = models.EmailField(blank=True)
    status = models.CharField(max_length=10, choices=AdviceEmailStatus.choices, default=AdviceEmailStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="adviceemail_status_due")]

    def __str__(self) -> str:
        return f"Advice e-mail of remittance {self.remittance_id} ({self.status}, {self.attempts} attempts)"


# Bank details, SEPA files and bank reports: their own module, part of this app (see its docstring).
from settlements.banking.models import BankReport, PayoutDestination, SepaFile, SepaFileEntry  # noqa: E402, F401
