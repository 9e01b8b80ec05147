"""No row lock is held while a provider is called (PostgreSQL, real threads): a slow provider, held
in `submit` by a `threading.Event`, blocks neither the time tracker posting a segment for the same
worker nor finance cancelling another worker's remittance; two sweepers send one payout per key.
"""

import threading
import time

import pytest

from settlements.models import PayoutSubmission, Remittance
from settlements.payouts import outbox
from settlements.payouts.gateways.simulated import SimulatedGateway
from tests.db_guards.threads import POSTGRES_THREADS, in_threads, token_client
from tests.support.api_helpers import generate, new_worklog, plus_minutes, post_segment, record, remittance_of, ts
from tests.support.factories import FinanceUserFactory

pytestmark = POSTGRES_THREADS

OCT = "2024-10-31"
WAIT = 20  # seconds: every wait is bounded, so a lock held during the call fails the test, never hangs it


@pytest.fixture
def provider(settings):
    settings.PAYOUT_GATEWAY = "simulated"
    settings.SETTLEMENT_APPROVAL_REQUIRED = False
    settings.PAYOUT_SIMULATED_FAILURE_RATE = "0"
    settings.PAYOUT_WEBHOOK_SECRETS = ["whsec_test"]
    # The run's payout task waits in the queue: the test sends the payouts itself.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    SimulatedGateway.reset()
    SimulatedGateway.hold_timeout_seconds = WAIT
    yield SimulatedGateway
    if SimulatedGateway.hold is not None:
        SimulatedGateway.hold.set()
    SimulatedGateway.reset()


def _owed_pair():
    finance = token_client(FinanceUserFactory())
    wl_a, wl_b = new_worklog(finance), new_worklog(finance)
    for wl in (wl_a, wl_b):
        record(finance, wl["id"], ts("2024-10-03"), 60)
    run = generate(finance, OCT)
    return finance, wl_a, wl_b, remittance_of(run, wl_a["workerId"]), remittance_of(run, wl_b["workerId"])


def test_a_slow_provider_blocks_neither_segments_of_its_worker_nor_finance(provider):
    finance, wl_a, _, remittance_a, remittance_b = _owed_pair()
    submission_a = PayoutSubmission.objects.get(remittance_id=remittance_a["id"])
    provider.hold = threading.Event()
    sender = threading.Thread(target=lambda: outbox.payouts_submit(submission_ids=[submission_a.pk]))
    sender.start()
    deadline = time.monotonic() + WAIT
    while not provider.submit_calls and time.monotonic() < deadline:
        time.sleep(0.02)
    assert provider.submit_calls == [submission_a.idempotency_key]  # the provider is in its call
    assert PayoutSubmission.objects.get(pk=submission_a.pk).status == "SUBMITTING"

    started = time.monotonic()
    (segment, cancelled) = in_threads(
        lambda: post_segment(finance, wl_a["id"], ts("2024-11-04"), plus_minutes(ts("2024-11-04"), 30)).status_code,
        lambda: finance.post(f"/api/remittances/{remittance_b['id']}/cancel/", {"reason": "x"}, format="json"),
    )
    elapsed = time.monotonic() - started
    assert segment == ("ok", 201)
    assert cancelled[0] == "ok" and cancelled[1].status_code == 200, cancelled
    assert sender.is_alive() and not provider.hold.is_set()  # both done while the provider still held the call
    assert elapsed < WAIT

    # Finance cannot cancel the remittance whose payout is being sent.
    in_flight = finance.post(f"/api/remittances/{remittance_a['id']}/cancel/", {"reason": "x"}, format="json")
    assert (in_flight.status_code, in_flight.json()["code"]) == (409, "payout_in_doubt")

    provider.hold.set()
    sender.join(timeout=WAIT)
    assert not sender.is_alive()
    submission_a.refresh_from_db()
    assert (submission_a.status, submission_a.attempts) == ("SUBMITTED", 1)
    assert Remittance.objects.get(pk=remittance_a["id"]).status == "PROCESSING"
    assert Remittance.objects.get(pk=remittance_b["id"]).status == "CANCELLED"


def test_concurrent_sweepers_send_one_payout_per_key(provider):
    _owed_pair()
    results = in_threads(outbox.payouts_sweep, outbox.payouts_sweep, outbox.payouts_sweep)
    assert all(kind == "ok" for kind, _ in results), results
    keys = set(PayoutSubmission.objects.values_list("idempotency_key", flat=True))
    assert provider.payouts_per_key() == dict.fromkeys(keys, 1)
    assert sorted(provider.submit_calls) == sorted(keys)  # each claimed by one sweeper only
    assert set(PayoutSubmission.objects.values_list("status", "attempts")) == {("SUBMITTED", 1)}
