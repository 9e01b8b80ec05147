"""Who and what a CSV row is about: its worker (by e-mail, or by name), its task (by project and task), its worklog."""

from collections import Counter
from decimal import Decimal

from audit.services import Actor
from worklogs import services
from worklogs.importer.formats.rows import RowError, TimeRow
from worklogs.models import Task, Worker, WorkLog

DEFAULT_CURRENCY = "USD"  # the Worker model's default: a worker an export creates is paid in it


class Matcher:
    def __init__(self, *, actor: Actor, rate: Decimal | None):
        self.actor = actor
        self.rate = rate  # `--rate` / `?rate=`: the hourly rate of worklogs this import creates

    def worker(self, row: TimeRow, counts: Counter[str]) -> Worker:
        """By e-mail (case-insensitive), else by name when the export has no e-mail; unknown: created."""
        if row.email:
            found = list(Worker.objects.filter(email__iexact=row.email).order_by("pk")[:2])
            what = f"e-mail {row.email}"
        else:
            found = list(Worker.objects.filter(name__iexact=row.name).order_by("pk")[:2])
            what = f"name {row.name!r}"
        if len(found) > 1:
            raise RowError(f"More than one worker has the {what}: give them distinct ones first.")
        if found:
            return found[0]
        if len(row.name) > 200:
            raise RowError("The worker's name is longer than 200 characters.")
        counts["worker"] += 1
        return services.worker_create(
            name=row.name, email=row.email, currency=row.currency or DEFAULT_CURRENCY, actor=self.actor
        )

    def task(self, row: TimeRow, counts: Counter[str]) -> Task:
        title = row.task_title
        if len(title) > 300:
            raise RowError("Project and task together are longer than 300 characters.")
        task = Task.objects.filter(title=title).order_by("pk").first()
        if task is None:
            counts["task"] += 1
            task = services.task_create(title=title)
        return task

    def worklog(self, row: TimeRow, worker: Worker, task: Task, counts: Counter[str]) -> WorkLog:
        """The worker's worklog on the task; an existing one keeps its rate, a new one takes the row's or `--rate`."""
        worklog = WorkLog.objects.filter(worker=worker, task=task).first()
        if worklog is not None:
            return worklog
        rate = row.rate if row.rate is not None else self.rate
        if rate is None:
            raise RowError(
                f"No hourly rate for a new worklog ({worker.name} on {task.title!r}): the export has none; "
                "give one with --rate (?rate=)."
            )
        if row.rate is not None and row.currency and row.currency != worker.currency:
            raise RowError(f"The row's rate is in {row.currency}; {worker.name} is paid in {worker.currency}.")
        counts["worklog"] += 1
        return services.worklog_create(worker=worker, task=task, hourly_rate=rate, actor=self.actor)
