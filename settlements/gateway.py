"""The payout port: what settlements needs from a payout provider, and the one configured adapter.

`PAYOUT_GATEWAY` names the adapter (`manual`, `simulated`, or a dotted path to a `PayoutGateway`
subclass); `PAYOUT_GATEWAYS` maps the short names to dotted paths. Adapters live in
`settlements.payouts.gateways` and are imported by name at run time, so the domain imports no
provider.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from settlements.models import Remittance


class PayoutGateway:
    """What the outbox needs from a payout provider."""

    name = "abstract"
    #: False for a gateway that never submits (the outbox then writes nothing).
    submits = True
    #: True for a gateway that pays into the worker's bank account (a real provider): the outbox
    #: then holds a remittance until its payee's bank details are confirmed (README "Payouts").
    needs_bank_details = True

    def submit(self, *, idempotency_key: str, remittance: Remittance) -> str:
        """Ask the provider to pay `remittance`; return the provider's reference.

        Must be idempotent on `idempotency_key`: a second call with the same key creates no second
        payout and returns the same reference. May raise on a transport error (the outbox retries).
        """
        raise NotImplementedError


def get_gateway() -> PayoutGateway:
    path = settings.PAYOUT_GATEWAYS.get(settings.PAYOUT_GATEWAY, settings.PAYOUT_GATEWAY)
    try:
        gateway_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"Unknown PAYOUT_GATEWAY {settings.PAYOUT_GATEWAY!r}.") from exc
    if not (isinstance(gateway_class, type) and issubclass(gateway_class, PayoutGateway)):
        raise ImproperlyConfigured(f"PAYOUT_GATEWAY {settings.PAYOUT_GATEWAY!r} is not a PayoutGateway.")
    return gateway_class()
