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
import threading
import urllib.request
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from settlements.gateway import PayoutGateway, PayoutRejected, ProviderEvent
from settlements.models import Remittance
from settlements.payouts.events import processor_event_receive
from settlements.payouts.signatures import SIGNATURE_HEADER, sign
from settlements.payouts.signed_json import signed_json_event

logger = logging.getLogger(__name__)


@dataclass
class SimulatedPayout:
    idempotency_key: str
    reference: str
    remittance_id: int
    amount: Decimal
    currency: str
    outcome: str  # "payout.paid" or "payout.failed"


class SimulatedTimeout(TimeoutError):
    """The simulated provider's response never arrived (whether it accepted the payout or not)."""


class SimulatedGateway(PayoutGateway):
    """A fake provider. `payouts` is its own book of the payouts it accepted in this process.

    For tests it counts what it was asked (`created`: one key per payout it created, `lookups`,
    `submit_calls`, `batches`) and can misbehave on demand, for the next calls: `faults` holds
    `"timeout_after_accept"` (accepts the payout, then the response is lost), `"timeout"` (never
    reached) or `"reject"` (refused for good); `hold`, a `threading.Event`, keeps every `submit`
    waiting until it is set (a slow provider).
    """

    name = "simulated"
    needs_bank_details = False  # a fake provider pays no account: demos and tests run without bank details
    #: Shared by every instance in the process, like a provider's database would be.
    payouts: dict[str, SimulatedPayout] = {}
    created: list[str] = []
    lookups: list[str] = []
    submit_calls: list[str] = []
    batches: list[list[str]] = []
    faults: list[str] = []
    hold: threading.Event | None = None
    #: How long a held `submit` waits at most (so that a test cannot hang).
    hold_timeout_seconds = 30.0
    _lock = threading.Lock()

    @classmethod
    def reset(cls) -> None:
        cls.payouts.clear()
        cls.created.clear()
        cls.lookups.clear()
        cls.submit_calls.clear()
        cls.batches.clear()
        cls.faults.clear()
        cls.hold = None
        cls.hold_timeout_seconds = 30.0

    @classmethod
    def payouts_per_key(cls) -> dict[str, int]:
        """How many payouts the provider created under each key (never more than one)."""
        return dict(Counter(cls.created))

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

    @classmethod
    def _next_fault(cls) -> str | None:
        with cls._lock:
            return cls.faults.pop(0) if cls.faults else None

    def _accept(self, idempotency_key: str, remittance: Remittance) -> SimulatedPayout:
        with self._lock:
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
                self.created.append(idempotency_key)
        # A real provider reports whatever happens to the payout, maybe before we have written its
        # answer down (the outbox then applies the event when it does); inside a transaction, once
        # it commits. Each acceptance schedules the report again, but the event id is the same, so
        # a second delivery is a replay that changes nothing.
        transaction.on_commit(lambda: _schedule_report(payout), robust=True)
        return payout

    def submit(self, *, idempotency_key: str, remittance: Remittance) -> str:
        self.submit_calls.append(idempotency_key)
        if self.hold is not None and not self.hold.wait(self.hold_timeout_seconds):
            raise SimulatedTimeout("The simulated provider was held longer than its timeout.")
        fault = self._next_fault()
        if fault == "timeout":
            raise SimulatedTimeout("The simulated provider did not answer (the payout never reached it).")
        if fault == "reject":
            raise PayoutRejected("The simulated provider refused the payout (account closed).")
        payout = self._accept(idempotency_key, remittance)
        if fault == "timeout_after_accept":
            raise SimulatedTimeout("The simulated provider accepted the payout, but its answer was lost.")
        return payout.reference

    def submit_batch(self, *, payouts: list[tuple[str, Remittance]]) -> dict[str, str | Exception]:
        """One call for the whole batch, as providers with a batch API do; per-key answers."""
        self.batches.append([key for key, _ in payouts])
        return super().submit_batch(payouts=payouts)

    def lookup(self, *, idempotency_key: str) -> str | None:
        self.lookups.append(idempotency_key)
        payout = self.payouts.get(idempotency_key)
        return payout.reference if payout is not None else None

    def parse_event(self, *, raw_body: bytes, headers: Mapping[str, str], now: float | None = None) -> ProviderEvent:
        return signed_json_event(raw_body=raw_body, headers=headers, now=now)


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
        processor_event_receive(raw_body=raw_body, headers={SIGNATURE_HEADER: signature})
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
