"""What the outbox needs from a payout provider."""

from settlements.models import Remittance


class PayoutGateway:
    """What the outbox needs from a payout provider."""

    name = "abstract"
    #: False for a gateway that never submits (the outbox then writes nothing).
    submits = True

    def submit(self, *, idempotency_key: str, remittance: Remittance) -> str:
        """Ask the provider to pay `remittance`; return the provider's reference.

        Must be idempotent on `idempotency_key`: a second call with the same key creates no second
        payout and returns the same reference. May raise on a transport error (the outbox retries).
        """
        raise NotImplementedError
