"""Workers, tasks and worklogs."""

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from core.currencies import ISO_4217
from core.errors import Conflict, InvalidInput
from ledger.services import accounts_open_for_party
from worklogs.locks import lock_worker, lock_worklog
from worklogs.models import Task, Worker, WorkLog

MAX_RATE = Decimal("10000")


def _validate_rate(hourly_rate: Decimal) -> Decimal:
    if hourly_rate != hourly_rate.quantize(Decimal("0.01")):
        raise InvalidInput("hourlyRate may have at most two decimals.", field="hourly_rate")
    if hourly_rate <= 0 or hourly_rate > MAX_RATE:
        raise InvalidInput("hourlyRate must be greater than 0 and at most 10000.00.", field="hourly_rate")
    return hourly_rate.quantize(Decimal("0.01"))


@transaction.atomic
def worker_create(
    *, name: str, email: str = "", currency: str = "USD", user: User | None = None, external_id: str | None = None
) -> Worker:
    currency = (currency or "USD").upper()
    if currency not in ISO_4217:
        raise InvalidInput(f"{currency!r} is not an ISO-4217 currency code.", field="currency")
    if not name or not name.strip():
        raise InvalidInput("A worker needs a name.", field="name")
    worker = Worker.objects.create(
        name=name.strip(), email=email or "", currency=currency, user=user, external_id=external_id
    )
    accounts_open_for_party(party=worker.pk, currency=currency, label=worker.name)
    return worker


@transaction.atomic
def task_create(*, title: str, external_id: str | None = None) -> Task:
    if not title or not title.strip():
        raise InvalidInput("A task needs a title.", field="title")
    return Task.objects.create(title=title.strip(), external_id=external_id)


@transaction.atomic
def worklog_create(*, worker: Worker, task: Task, hourly_rate: Decimal, external_id: str | None = None) -> WorkLog:
    hourly_rate = _validate_rate(hourly_rate)
    worker = lock_worker(worker.pk)
    if WorkLog.objects.filter(worker=worker, task=task).exists():
        raise Conflict("This worker already has a worklog for this task.", code="worklog_exists")
    try:
        with transaction.atomic():
            return WorkLog.objects.create(
                worker=worker, task=task, hourly_rate=hourly_rate, currency=worker.currency, external_id=external_id
            )
    except IntegrityError:
        raise Conflict("This worker already has a worklog for this task.", code="worklog_exists") from None


@transaction.atomic
def worklog_rate_change(*, worklog: WorkLog, hourly_rate: Decimal) -> WorkLog:
    """Only segments recorded afterwards use the new rate: items keep their snapshot."""
    hourly_rate = _validate_rate(hourly_rate)
    lock_worker(worklog.worker_id)
    worklog = lock_worklog(worklog.pk)
    worklog.hourly_rate = hourly_rate
    worklog.save(update_fields=["hourly_rate"])
    return worklog
