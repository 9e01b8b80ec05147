"""The default gateway: it never submits. Remittances stay PENDING until finance marks them paid or
failed (after paying by hand or by a bank file). Signed events are still received and stored, but
none applies: no remittance was given to a provider through it."""

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

from settlements.gateway import PayoutGateway, ProviderEvent
from settlements.models import Remittance
from settlements.payouts.signed_json import signed_json_event


class ManualGateway(PayoutGateway):
    name = "manual"
    submits = False
    needs_bank_details = False  # finance pays by hand (or by a SEPA file, which holds on its own)

    def submit(self, *, idempotency_key: str, remittance: Remittance) -> str:
        raise ImproperlyConfigured("The manual gateway never submits payouts.")

    def lookup(self, *, idempotency_key: str) -> str | None:
        return None  # it never holds a payout

    def parse_event(self, *, raw_body: bytes, headers: Mapping[str, str], now: float | None = None) -> ProviderEvent:
        return signed_json_event(raw_body=raw_body, headers=headers, now=now)
