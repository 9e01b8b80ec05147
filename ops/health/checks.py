"""The checks of /readyz, as django-health-check checks (`health_check.HealthCheck`).

Two kinds: what this node needs to serve at all (the database, its migrations, the configured
cache), which fail with `ServiceUnavailable` and make /readyz answer 503; and the business alarms,
which fail with `ServiceWarning` and make it answer 200 "degraded": an alarm is the whole system's,
and taking every node out of the load balancer would not fix it.
"""

import dataclasses
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from health_check import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from ops import figures

# Once every migration is applied, this process does not look again for this long.
MIGRATIONS_RECHECK_SECONDS = 60.0
_migrations_ok_until = 0.0


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration of the code this node runs is applied to its database."""

    def run(self) -> None:
        global _migrations_ok_until
        if time.monotonic() < _migrations_ok_until:
            return
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as exc:
            raise ServiceUnavailable("cannot read the applied migrations") from exc
        if plan:
            raise ServiceUnavailable(f"{len(plan)} migration(s) not applied")
        _migrations_ok_until = time.monotonic() + MIGRATIONS_RECHECK_SECONDS


@dataclasses.dataclass
class QueuedTasks(HealthCheck):
    """No background task has waited longer than READY_MAX_QUEUED_TASK_AGE_SECONDS (workers keep up)."""

    def run(self) -> None:
        age = figures.oldest_queued_task_age_seconds()
        if age > settings.READY_MAX_QUEUED_TASK_AGE_SECONDS:
            raise ServiceWarning(f"the oldest queued task has waited {age:.0f} s")


@dataclasses.dataclass
class PayoutsInDoubt(HealthCheck):
    """No payout submission is in doubt (an attempt counted, no answer recorded)."""

    def run(self) -> None:
        count = figures.submissions_in_doubt()
        if count:
            raise ServiceWarning(f"{count} payout submission(s) in doubt")


@dataclasses.dataclass
class StalledRuns(HealthCheck):
    """No settlement run is RUNNING with an expired lease (its execution died)."""

    def run(self) -> None:
        count = figures.stalled_runs()
        if count:
            raise ServiceWarning(f"{count} settlement run(s) stalled")


@dataclasses.dataclass
class AuditDifferences(HealthCheck):
    """The last nightly audit found no difference."""

    def run(self) -> None:
        audit = figures.last_audit()
        if audit is not None and audit.differences:
            raise ServiceWarning(f"the last audit found {audit.differences} difference(s)")
