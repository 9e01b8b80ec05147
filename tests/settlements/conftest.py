"""Fixtures of several settlement test modules: a PENDING remittance, and the simulated payout provider."""

import pytest

from settlements.payouts.gateways.simulated import SimulatedGateway
from tests.support.api_helpers import generate, new_worklog, record, remittance_of, ts


@pytest.fixture
def pending(api):
    """A worker's PENDING remittance of 10.00 for October (the manual gateway never submits it)."""
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03"), 60)
    run = generate(api, "2024-10-31")
    remittance = remittance_of(run, wl["workerId"])
    remittance["_worklog"] = wl
    remittance["_run"] = run
    return remittance


@pytest.fixture
def simulated(settings):
    """The simulated provider as the payout gateway: every payout succeeds unless a test says otherwise."""
    settings.PAYOUT_GATEWAY = "simulated"
    # These tests are about submission: runs submit as soon as they complete (four-eyes approval,
    # which holds them until a second user approves, is tested in tests/settlements/test_run_approval*.py).
    settings.SETTLEMENT_APPROVAL_REQUIRED = False
    settings.PAYOUT_WEBHOOK_SECRETS = ["whsec_test"]
    settings.PAYOUT_SIMULATED_FAILURE_RATE = "0"
    settings.PAYOUT_SIMULATED_WEBHOOK_BASE_URL = ""
    SimulatedGateway.reset()
    yield SimulatedGateway
    SimulatedGateway.reset()
