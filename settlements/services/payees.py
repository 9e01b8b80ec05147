"""Payees' bank details: entering a payout destination, and its confirmation by a second user.

The classic payroll-fraud control: whoever enters or changes a worker's bank details (finance, or
the worker proposing their own) cannot also approve them. Until a different finance user confirms,
the worker's remittances are held (`settlements.selectors.payees`). Each change is a new row (the
history stays), and both steps are in the audit trail with the IBAN masked (country, check digits
and last four: the audit trail is read more widely than the destinations themselves, whose rows
keep the full values).

Locks: the worker (the one lock order's first), so two changes of one worker's details serialise.
"""

from django.db import transaction
from django.utils import timezone

from audit.models import Action, ObjectType
from audit.services import Actor, audit_actor, audit_record
from core.errors import Conflict, NotPermitted
from settlements.banking.accounts import bank_account_parse, iban_masked
from settlements.models import PayoutDestination
from worklogs.locks import lock_worker
from worklogs.models import Worker


def _latest(worker: Worker) -> PayoutDestination | None:
    return PayoutDestination.objects.filter(worker=worker).order_by("-pk").first()


def _audit_values(destination: PayoutDestination | None) -> dict[str, object]:
    if destination is None:
        return {"account_holder": None, "iban": None, "bic": None}
    return {
        "account_holder": destination.account_holder,
        "iban": iban_masked(destination.iban),
        "bic": destination.bic,
    }


@transaction.atomic
def payout_destination_set(
    *, worker: Worker, account_holder: object, iban: object, bic: object, actor: Actor
) -> PayoutDestination:
    """Enter (or propose) the worker's bank details: a new, unconfirmed current destination.

    The same values as the current destination change nothing (a repeated PUT is no new row and
    does not undo a confirmation). A bad value is `InvalidInput` before anything is written.
    """
    account = bank_account_parse(account_holder=account_holder, iban=iban, bic=bic)
    lock_worker(worker.pk)
    current = _latest(worker)
    if current is not None and (current.account_holder, current.iban, current.bic) == (
        account.account_holder,
        account.iban,
        account.bic,
    ):
        return current
    destination = PayoutDestination.objects.create(
        worker=worker,
        account_holder=account.account_holder,
        iban=account.iban,
        bic=account.bic,
        entered_by=audit_actor(actor),
    )
    before, after = _audit_values(current), _audit_values(destination)
    changes: dict[str, list[object]] = {
        name: [before[name], after[name]] for name in after if before[name] != after[name]
    }
    changes["confirmed"] = [bool(current and current.confirmed), False]
    audit_record(
        actor=actor,
        action=Action.WORKER_PAYOUT_DESTINATION_ENTERED,
        object_type=ObjectType.WORKER,
        object_id=worker.pk,
        changes=changes,
    )
    return destination


@transaction.atomic
def payout_destination_confirm(*, worker: Worker, actor: Actor) -> PayoutDestination:
    """A second finance user confirms the worker's current destination; its held payouts may leave.

    409 `nothing_to_confirm` when there is no destination or the current one is confirmed; 403
    `same_user` for the user who entered it (the database refuses that too, by a CHECK).
    """
    user = audit_actor(actor)
    if user is None:
        raise NotPermitted("Only a signed-in finance user may confirm bank details.", code="confirmer_required")
    lock_worker(worker.pk)
    current = _latest(worker)
    if current is None or current.confirmed:
        raise Conflict("There are no unconfirmed bank details to confirm.", code="nothing_to_confirm")
    if current.entered_by_id == user.pk:
        raise NotPermitted(
            "Bank details must be confirmed by someone other than the user who entered them.", code="same_user"
        )
    current.confirmed_by = user
    current.confirmed_at = timezone.now()
    current.save(update_fields=["confirmed_by", "confirmed_at"])
    audit_record(
        actor=actor,
        action=Action.WORKER_PAYOUT_DESTINATION_CONFIRMED,
        object_type=ObjectType.WORKER,
        object_id=worker.pk,
        changes={
            "confirmed": [False, True],
            "destination_id": [None, current.pk],
            "iban": [None, iban_masked(current.iban)],
            "entered_by": [None, current.entered_by.get_username() if current.entered_by else None],
        },
    )
    return current
