"""Reads of payees' bank details: a worker's current destination, and which remittances may leave.

`remittances_payable_to_confirmed_payee` is the one rule that holds a payout back until its payee's
bank details are confirmed by a second finance user: the SEPA file builder and the payout outbox
(for gateways that need bank details) both pick remittances through it.
"""

from django.db.models import OuterRef, Q, QuerySet, Subquery

from settlements.models import PayoutDestination, Remittance

#: Why a remittance is left out of a bank file (the `X-Excluded-Remittances` header, the admin).
HOLD_NO_DESTINATION = "no_destination"
HOLD_UNCONFIRMED = "unconfirmed"
HOLD_CURRENCY = "currency"
HOLD_GATEWAY = "gateway"  # it already has a submission to the configured provider
HOLD_REASONS = {
    HOLD_NO_DESTINATION: "the worker has no payout destination",
    HOLD_UNCONFIRMED: "the worker's payout destination awaits confirmation by a second finance user",
    HOLD_CURRENCY: "not EUR: paid through the CSV file or the provider gateway",
    HOLD_GATEWAY: "already submitted to the payout provider",
}


def payout_destination_current(*, worker_id: int) -> PayoutDestination | None:
    """The worker's latest destination (confirmed or not), or None."""
    return (
        PayoutDestination.objects.select_related("entered_by", "confirmed_by")
        .filter(worker_id=worker_id)
        .order_by("-pk")
        .first()
    )


def payout_destination_history(*, worker_id: int) -> QuerySet[PayoutDestination]:
    rows = PayoutDestination.objects.select_related("entered_by", "confirmed_by")
    return rows.filter(worker_id=worker_id).order_by("-pk")


def remittances_with_payee(queryset: QuerySet[Remittance]) -> QuerySet[Remittance]:
    """Annotated with the worker's current destination: `payee_destination_id`, `payee_confirmed_at`."""
    latest = PayoutDestination.objects.filter(worker_id=OuterRef("worker_id")).order_by("-pk")
    return queryset.annotate(
        payee_destination_id=Subquery(latest.values("pk")[:1]),
        payee_confirmed_at=Subquery(latest.values("confirmed_at")[:1]),
    )


def remittances_payable_to_confirmed_payee(queryset: QuerySet[Remittance]) -> QuerySet[Remittance]:
    """Those of `queryset` whose worker's current payout destination is confirmed."""
    return remittances_with_payee(queryset).filter(Q(payee_confirmed_at__isnull=False))


def payee_hold_reason(*, worker_id: int) -> str | None:
    """Why the worker's payouts are held (a `HOLD_*` code), or None when its destination is confirmed."""
    current = PayoutDestination.objects.filter(worker_id=worker_id).order_by("-pk").values("confirmed_at").first()
    if current is None:
        return HOLD_NO_DESTINATION
    return None if current["confirmed_at"] is not None else HOLD_UNCONFIRMED
