"""The payout port: what settlements needs from a payout provider, and the one configured adapter.

`PAYOUT_GATEWAY` names the adapter (`manual`, `simulated`, or a dotted path to a `PayoutGateway`
subclass); `PAYOUT_GATEWAYS` maps the short names to dotted paths. Adapters live in
`settlements.payouts.gateways` and are imported by name at run time, so the domain imports no
provider.

What a real provider needs, and every adapter gives:
- `submit`: create one payout under our idempotency key (idempotent on the key);
- `lookup`: does the provider already hold a payout under this key? (asked before calling again
  after an attempt whose answer was lost: a timeout, a crash after the call);
- `submit_batch`: many payouts in one call where the provider has it (the default loops `submit`);
- `parse_event`: verify a webhook delivery's signature (the adapter's own scheme) and turn its
  body into a `ProviderEvent`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from settlements.models import Remittance


class PayoutRejected(Exception):
    """The provider refused the payout for good (a 4xx with a reason, not a transport error): no
    payout exists under the key. The outbox closes the submission as REJECTED; any other exception
    from `submit` means "the answer is unknown" and the outbox asks `lookup` before calling again."""


@dataclass(frozen=True)
class ProviderEvent:
    """A provider's event, verified and parsed by its adapter."""

    event_id: str
    type: str
    remittance_id: int | None
    provider_reference: str
    occurred_at: datetime | None
    data: dict = field(default_factory=dict)
    raw_text: str = ""
    #: The signature the delivery carried, kept with the event as received.
    signature: str = ""


class PayoutGateway:
    """What the outbox and the webhook need from a payout provider."""

    name = "abstract"
    #: False for a gateway that never submits (the outbox then writes nothing).
    submits = True
    #: True for a gateway that pays into the worker's bank account (a real provider): the outbox
    #: then holds a remittance until its payee's bank details are confirmed (README "Payouts").
    needs_bank_details = True

    def submit(self, *, idempotency_key: str, remittance: Remittance) -> str:
        """Ask the provider to pay `remittance`; return the provider's reference.

        Must be idempotent on `idempotency_key`: a second call with the same key creates no second
        payout and returns the same reference. Raises `PayoutRejected` for a definitive refusal; any
        other exception (a timeout, a transport error) leaves the outcome unknown.
        """
        raise NotImplementedError

    def lookup(self, *, idempotency_key: str) -> str | None:
        """The reference of the payout the provider holds under `idempotency_key`, or None when it
        holds none. May raise on a transport error (the outcome stays unknown)."""
        raise NotImplementedError

    def submit_batch(self, *, payouts: list[tuple[str, Remittance]]) -> dict[str, str | Exception]:
        """Submit several (idempotency key, remittance) payouts: key -> reference, or the exception
        that one raised. The default calls `submit` once per payout; a provider with a batch API
        overrides it (one call, the same per-key answers)."""
        results: dict[str, str | Exception] = {}
        for key, remittance in payouts:
            try:
                results[key] = self.submit(idempotency_key=key, remittance=remittance)
            except Exception as exc:  # each payout's own outcome; the others go on
                results[key] = exc
        return results

    def parse_event(self, *, raw_body: bytes, headers: Mapping[str, str], now: float | None = None) -> ProviderEvent:
        """Verify the delivery's signature (raising `core.errors.Unauthenticated`, nothing written)
        and parse its body (`core.errors.InvalidInput` when malformed)."""
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
