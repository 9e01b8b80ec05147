"""The scheduler's lease rows: one row per job and slot makes a slot run once, however many
schedulers are running (ops/scheduler/leases.py)."""

from django.db import models


class JobRunStatus(models.TextChoices):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class JobRun(models.Model):
    """One slot (scheduled instant) of one scheduled job, and what became of it.

    Invariants: one row per (job, slot), a unique constraint: the scheduler that inserts it runs the
    slot, and every other one finds it taken. While RUNNING, its scheduler renews `lease_expires_at`
    (the database's clock); a RUNNING row whose lease expired belongs to a scheduler that died, and one
    conditional UPDATE hands it to exactly one other scheduler (`attempts` counts the executions). No
    session-level lock: this holds behind a transaction-pooling PgBouncer. `result` is the job's
    JSON answer (the nightly audit's differences are read from it by /metrics and /readyz).
    """

    job = models.CharField(max_length=100)
    slot = models.DateTimeField()
    status = models.CharField(max_length=10, choices=JobRunStatus.choices, default=JobRunStatus.RUNNING)
    claimed_by = models.CharField(max_length=200)
    lease_expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=1)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="jobrun_one_per_job_slot")]
        indexes = [models.Index(fields=["job", "-slot"], name="jobrun_job_latest")]

    def __str__(self) -> str:
        return f"{self.job} at {self.slot.isoformat()} ({self.status})"
