"""The default gateway: it never submits. Remittances stay PENDING until finance marks them paid or
failed (after paying by hand or by a bank file), or a signed provider event settles them."""

from django.core.exceptions import ImproperlyConfigured

from settlements.gateway import PayoutGateway
from settlements.models import Remittance


class ManualGateway(PayoutGateway):
    name = "manual"
    submits = False
    needs_bank_details = False  # finance pays by hand (or by a SEPA file, which holds on its own)

    def submit(self, *, idempotency_key: str, remittance: Remittance) -> str:
        raise ImproperlyConfigured("The manual gateway never submits payouts.")
