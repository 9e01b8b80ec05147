"""Reads of payees' bank details: a worker's current destination, and which remittances may leave.

`remittances_payable_to_confirmed_payee` is the one rule that holds a payout back until its payee's
bank details are confirmed by a second finance user: the SEPA file builder and the payout outbox
(for gateways that need bank details) both pick remittances through it.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from settlements.models import PayoutDestination, PayoutSubmission, Remittance

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


@dataclass
class SepaCandidates:
    """A run's remittances a SEPA file may pay now (with their payees' current destination ids), and
    those it leaves out as `{"remittanceId", "reason"}` (a `HOLD_*` code), in id order."""

    payable: list[Remittance] = field(default_factory=list)
    destination_ids: dict[int, int] = field(default_factory=dict)
    excluded: list[dict[str, object]] = field(default_factory=list)


def run_sepa_candidates(*, run_id: int) -> SepaCandidates:
    """Payable: PENDING, EUR, with no payout submission (none to a provider, in no earlier file), and
    a confirmed payee (as `remittances_payable_to_confirmed_payee`). Left out: the run's other
    PENDING remittances. One query.
    """
    rows = (
        remittances_with_payee(Remittance.objects.filter(run_id=run_id, status="PENDING"))
        .annotate(submitted=Exists(PayoutSubmission.objects.filter(remittance_id=OuterRef("pk"))))
        .order_by("pk")
        .values("pk", "currency", "submitted", "payee_destination_id", "payee_confirmed_at")
    )
    candidates = SepaCandidates()
    payable_ids = []
    for row in rows:
        reason = _sepa_exclusion(row)
        if reason is None:
            payable_ids.append(row["pk"])
            candidates.destination_ids[row["pk"]] = row["payee_destination_id"]
        else:
            candidates.excluded.append({"remittanceId": row["pk"], "reason": reason})
    candidates.payable = list(Remittance.objects.filter(pk__in=payable_ids).order_by("pk"))
    return candidates


def _sepa_exclusion(row: dict[str, Any]) -> str | None:
    if row["currency"] != "EUR":
        return HOLD_CURRENCY
    if row["submitted"]:
        return HOLD_GATEWAY
    if row["payee_destination_id"] is None:
        return HOLD_NO_DESTINATION
    if row["payee_confirmed_at"] is None:
        return HOLD_UNCONFIRMED
    return None
