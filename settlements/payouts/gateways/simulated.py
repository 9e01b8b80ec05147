"""A fake payout provider for demos and tests (`PAYOUT_GATEWAY=simulated`).

It accepts a payout under an idempotency key and later reports `payout.paid` or `payout.failed`
through the signed webhook: in-process through the same service as the webhook view, or by a real
signed HTTP call when `PAYOUT_SIMULATED_WEBHOOK_BASE_URL` is set. Everything it says about a payout
(its reference, its outcome, its event id) is a function of the idempotency key and
`PAYOUT_SIMULATED_SEED`, so it dedupes by key even across processes: the same key always names the
same single payout.
"""

import hashlib
import json
import logging
import random
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from settlements.gateway import PayoutGateway
from settlements.models import Remittance
from settlements.payouts.events import processor_event_receive
from settlements.payouts.signatures import SIGNATURE_HEADER, sign

logger = logging.getLogger(__name__)


@dataclass
class SimulatedPayout:
    idempotency_key: str
    reference: str
    remittance_id: int
    amount: Decimal
    currency: str
    outcome: str  # "payout.paid" or "payout.failed"


class SimulatedGateway(PayoutGateway):
    """A fake provider. `payouts` is its own book of the payouts it accepted in this process."""

    name = "simulated"
    needs_bank_details = False  # a fake provider pays no account: demos and tests run without bank details
    #: Shared by every instance in the process, like a provider's database would be.
    payouts: dict[str, SimulatedPayout] = {}

    @classmethod
    def reset(cls) -> None:
        cls.payouts.clear()

    @staticmethod
    def failure_rate() -> Decimal:
        try:
            rate = Decimal(str(settings.PAYOUT_SIMULATED_FAILURE_RATE))
        except InvalidOperation as exc:
            raise ImproperlyConfigured("PAYOUT_SIMULATED_FAILURE_RATE must be a number from 0 to 1.") from exc
        if not Decimal(0) <= rate <= Decimal(1):
            raise ImproperlyConfigured("PAYOUT_SIMULATED_FAILURE_RATE must be a number from 0 to 1.")
        return rate

    @classmethod
    def outcome_for(cls, idempotency_key: str) -> str:
        """Deterministic per key and seed: one draw in 10,000 steps, compared exactly."""
        draw = random.Random(f"{settings.PAYOUT_SIMULATED_SEED}:{idempotency_key}").randrange(10_000)  # noqa: S311
        return "payout.failed" if Decimal(draw) < cls.failure_rate() * 10_000 else "payout.paid"

    @staticmethod
    def reference_for(idempotency_key: str) -> str:
        digest = hashlib.sha256(f"{settings.PAYOUT_SIMULATED_SEED}:{idempotency_key}".encode()).hexdigest()
        return f"sim_po_{digest[:24]}"

    def submit(self, *, idempotency_key: str, remittance: Remittance) -> str:
        payout = self.payouts.get(idempotency_key)
        if payout is None:
            payout = SimulatedPayout(
                idempotency_key=idempotency_key,
                reference=self.reference_for(idempotency_key),
                remittance_id=remittance.pk,
                amount=remittance.amount,
                currency=remittance.currency,
                outcome=self.outcome_for(idempotency_key),
            )
            self.payouts[idempotency_key] = payout
        # A real provider reports whatever happens to our transaction; this one reports once our
        # PROCESSING commits (else the report could overtake it). Each submission schedules the
        # report again (a retry after our rollback needs one), but the event id is the same, so
        # a second delivery is a replay that changes nothing.
        transaction.on_commit(lambda: _schedule_report(payout), robust=True)
        return payout.reference


def _schedule_report(payout: SimulatedPayout) -> None:
    task = simulated_payout_report
    delay = settings.PAYOUT_SIMULATED_REPORT_DELAY_SECONDS
    if delay > 0 and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    task.enqueue(
        reference=payout.reference,
        remittance_id=payout.remittance_id,
        outcome=payout.outcome,
        idempotency_key=payout.idempotency_key,
    )


def simulated_event_body(*, reference: str, remittance_id: int, outcome: str, idempotency_key: str) -> bytes:
    data = {"reason": "Simulated provider: the beneficiary's bank rejected the payout."}
    body = {
        "id": f"evt_{hashlib.sha256(f'{reference}:{outcome}'.encode()).hexdigest()[:24]}",
        "type": outcome,
        "remittanceId": remittance_id,
        "providerReference": reference,
        "occurredAt": timezone.now().isoformat(),
        "data": data if outcome == "payout.failed" else {"idempotencyKey": idempotency_key},
    }
    return json.dumps(body, separators=(",", ":")).encode()


def simulated_deliver(*, raw_body: bytes) -> int:
    """Send a signed event the way the provider would; returns the HTTP status it got."""
    secrets = settings.PAYOUT_WEBHOOK_SECRETS
    if not secrets:
        raise ImproperlyConfigured("The simulated provider needs PAYOUT_WEBHOOK_SECRETS to sign its events.")
    signature = sign(raw_body=raw_body, secret=secrets[0])
    base_url = settings.PAYOUT_SIMULATED_WEBHOOK_BASE_URL
    if not base_url:
        processor_event_receive(raw_body=raw_body, signature_header=signature)
        return 200  # what the webhook view answers for an accepted event
    if not base_url.startswith(("http://", "https://")):
        raise ImproperlyConfigured("PAYOUT_SIMULATED_WEBHOOK_BASE_URL must be an http(s) URL.")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        f"{base_url}/api/payout-events/",
        data=raw_body,
        method="POST",
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: signature},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status


@task()
def simulated_payout_report(*, reference: str, remittance_id: int, outcome: str, idempotency_key: str) -> int:
    """The simulated provider reporting a payout's outcome through the signed webhook (a background task)."""
    raw_body = simulated_event_body(
        reference=reference, remittance_id=remittance_id, outcome=outcome, idempotency_key=idempotency_key
    )
    return simulated_deliver(raw_body=raw_body)
