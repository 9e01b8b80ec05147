"""Workers, tasks and worklogs."""

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from audit.models import Action, ObjectType
from audit.services import Actor, audit_changes, audit_record, audit_snapshot
from core.currencies import ISO_4217
from core.errors import Conflict, InvalidInput
from ledger.services import accounts_open_for_party
from worklogs.locks import lock_worker, lock_worklog
from worklogs.models import Task, Worker, WorkLog

MAX_RATE = Decimal("10000")
# What the trail keeps of a worker: who is paid, where they are told, and which login sees their pay.
WORKER_AUDITED = ("name", "email", "currency", "external_id", "user")
WORKLOG_AUDITED = ("worker_id", "task_id", "hourly_rate", "currency", "external_id")


def _validate_rate(hourly_rate: Decimal) -> Decimal:
    if hourly_rate != hourly_rate.quantize(Decimal("0.01")):
        raise InvalidInput("hourlyRate may have at most two decimals.", field="hourly_rate")
    if hourly_rate <= 0 or hourly_rate > MAX_RATE:
        raise InvalidInput("hourlyRate must be greater than 0 and at most 10000.00.", field="hourly_rate")
    return hourly_rate.quantize(Decimal("0.01"))


def _external_id_taken(kind: str, external_id: str) -> Conflict:
    return Conflict(f"A {kind} with externalId {external_id!r} already exists.", code="external_id_taken")


def _check_external_id_free(model: type[Worker | Task | WorkLog], kind: str, external_id: str | None) -> None:
    """A source's id names one row of its kind (409, nothing written); the unique index decides a race."""
    if external_id and model.objects.filter(external_id=external_id).exists():
        raise _external_id_taken(kind, external_id)


def _validate_name(name: str) -> str:
    if not name or not name.strip():
        raise InvalidInput("A worker needs a name.", field="name")
    return name.strip()


def _worker_snapshot(worker: Worker) -> dict[str, object]:
    """The audited fields; the login link by username (null when unlinked)."""
    snapshot = audit_snapshot(worker, WORKER_AUDITED[:-1])
    snapshot["user"] = worker.user.get_username() if worker.user is not None else None
    return snapshot


@transaction.atomic
def worker_create(
    *,
    name: str,
    email: str = "",
    currency: str = "USD",
    user: User | None = None,
    external_id: str | None = None,
    actor: Actor = None,
) -> Worker:
    currency = (currency or "USD").upper()
    if currency not in ISO_4217:
        raise InvalidInput(f"{currency!r} is not an ISO-4217 currency code.", field="currency")
    external_id = external_id or None
    _check_external_id_free(Worker, "worker", external_id)
    try:
        with transaction.atomic():
            worker = Worker.objects.create(
                name=_validate_name(name), email=email or "", currency=currency, user=user, external_id=external_id
            )
    except IntegrityError:  # created meanwhile by another transaction (a login is linked in the admin only)
        if external_id and Worker.objects.filter(external_id=external_id).exists():
            raise _external_id_taken("worker", external_id) from None
        raise
    accounts_open_for_party(party=worker.pk, currency=currency, label=worker.name)
    audit_record(
        actor=actor,
        action=Action.WORKER_CREATED,
        object_type=ObjectType.WORKER,
        object_id=worker.pk,
        changes=audit_changes({}, _worker_snapshot(worker)),
    )
    return worker


def _linked_elsewhere(user: User) -> Conflict:
    return Conflict(f"The login {user.get_username()!r} is linked to another worker.", code="user_already_linked")


@transaction.atomic
def worker_update(*, worker: Worker, name: str, email: str, user: User | None, actor: Actor = None) -> Worker:
    """Change a worker's name, e-mail or login link (who may read their pay and record their time).

    The currency is fixed at creation (the worker's ledger accounts are opened in it). A login may
    be linked to one worker only (409 `user_already_linked`). Records what changed, if anything.
    """
    name = _validate_name(name)
    worker = lock_worker(worker.pk)
    if user is not None and Worker.objects.filter(user=user).exclude(pk=worker.pk).exists():
        raise _linked_elsewhere(user)
    before = _worker_snapshot(worker)
    worker.name, worker.email, worker.user = name, email or "", user
    try:
        with transaction.atomic():
            worker.save(update_fields=["name", "email", "user"])
    except IntegrityError:  # linked meanwhile by another transaction: the one-to-one's unique index
        assert user is not None  # only a login can collide
        raise _linked_elsewhere(user) from None
    changes = audit_changes(before, _worker_snapshot(worker))
    if changes:
        audit_record(
            actor=actor,
            action=Action.WORKER_UPDATED,
            object_type=ObjectType.WORKER,
            object_id=worker.pk,
            changes=changes,
        )
    return worker


@transaction.atomic
def task_create(*, title: str, external_id: str | None = None) -> Task:
    if not title or not title.strip():
        raise InvalidInput("A task needs a title.", field="title")
    external_id = external_id or None
    _check_external_id_free(Task, "task", external_id)
    try:
        with transaction.atomic():
            return Task.objects.create(title=title.strip(), external_id=external_id)
    except IntegrityError:
        raise _external_id_taken("task", external_id or "") from None


@transaction.atomic
def worklog_create(
    *, worker: Worker, task: Task, hourly_rate: Decimal, external_id: str | None = None, actor: Actor = None
) -> WorkLog:
    hourly_rate = _validate_rate(hourly_rate)
    external_id = external_id or None
    worker = lock_worker(worker.pk)
    if WorkLog.objects.filter(worker=worker, task=task).exists():
        raise Conflict("This worker already has a worklog for this task.", code="worklog_exists")
    _check_external_id_free(WorkLog, "worklog", external_id)
    try:
        with transaction.atomic():
            worklog = WorkLog.objects.create(
                worker=worker, task=task, hourly_rate=hourly_rate, currency=worker.currency, external_id=external_id
            )
    except IntegrityError:
        if external_id and WorkLog.objects.filter(external_id=external_id).exists():
            raise _external_id_taken("worklog", external_id) from None
        raise Conflict("This worker already has a worklog for this task.", code="worklog_exists") from None
    audit_record(
        actor=actor,
        action=Action.WORKLOG_CREATED,
        object_type=ObjectType.WORKLOG,
        object_id=worklog.pk,
        changes=audit_changes({}, audit_snapshot(worklog, WORKLOG_AUDITED)),
    )
    return worklog


@transaction.atomic
def worklog_rate_change(*, worklog: WorkLog, hourly_rate: Decimal, actor: Actor = None) -> WorkLog:
    """Only segments recorded afterwards use the new rate: items keep their snapshot.

    Records the change (none when the rate is the same)."""
    hourly_rate = _validate_rate(hourly_rate)
    lock_worker(worklog.worker_id)
    worklog = lock_worklog(worklog.pk)
    before = worklog.hourly_rate
    worklog.hourly_rate = hourly_rate
    worklog.save(update_fields=["hourly_rate"])
    if before != hourly_rate:
        audit_record(
            actor=actor,
            action=Action.WORKLOG_RATE_CHANGED,
            object_type=ObjectType.WORKLOG,
            object_id=worklog.pk,
            changes=audit_changes({"hourly_rate": before}, {"hourly_rate": hourly_rate}),
        )
    return worklog
