"""The scheduled jobs, from `settings.SCHEDULED_JOBS` (config/operations.py), and their slots.

A slot is an instant the job's cron schedule names, read in `TIME_ZONE` (so "0 2 1 * *" is 02:00 on
the 1st where finance works, across daylight saving time); it is stored as a UTC instant.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from croniter import croniter
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

JobFunction = Callable[[datetime], dict[str, Any]]


@dataclass(frozen=True)
class Job:
    name: str
    schedule: str
    function: JobFunction

    def latest_slot(self, now: datetime) -> datetime:
        """The latest instant of the schedule at or before `now` (UTC)."""
        minute = timezone.localtime(now).replace(second=0, microsecond=0)
        latest = minute if croniter.match(self.schedule, minute) else croniter(self.schedule, minute).get_prev(datetime)
        return latest.astimezone(UTC)

    def due_slot(self, now: datetime) -> datetime | None:
        """The slot to run now: the latest one, unless it is older than the misfire grace."""
        slot = self.latest_slot(now)
        if now - slot > timedelta(seconds=settings.SCHEDULER_MISFIRE_GRACE_SECONDS):
            return None
        return slot


def scheduled_jobs(names: list[str] | None = None) -> list[Job]:
    """The enabled jobs (schedule not "off"), or only `names` (unknown names raise KeyError)."""
    registry = settings.SCHEDULED_JOBS
    wanted = names if names is not None else list(registry)
    jobs = []
    for name in wanted:
        entry = registry[name]
        if entry["schedule"] == "off":
            continue
        jobs.append(Job(name=name, schedule=entry["schedule"], function=import_string(entry["callable"])))
    return jobs
