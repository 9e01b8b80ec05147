"""Payout submissions: the outbox rows a settlement chunk writes with its remittances.

Written in the chunk's transaction, so a remittance to be sent and its submission commit together
(or not at all). `settlements.payouts.outbox` sends them to the gateway once they have committed.
The provider is always called with the submission's idempotency key, so a retry never pays twice.
"""

from settlements.gateway import get_gateway
from settlements.models import PayoutSubmission, Remittance


def payout_idempotency_key(remittance: Remittance) -> str:
    return f"remittance-{remittance.pk}"


def payout_submissions_create(*, remittances: list[Remittance]) -> list[PayoutSubmission]:
    """In the caller's transaction: one submission per new remittance, when the gateway submits at all."""
    gateway = get_gateway()
    if not gateway.submits or not remittances:
        return []
    return PayoutSubmission.objects.bulk_create(
        [
            PayoutSubmission(remittance=r, idempotency_key=payout_idempotency_key(r), gateway=gateway.name)
            for r in remittances
        ]
    )
