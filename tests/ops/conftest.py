"""Fixtures of the operations tests."""

import pytest

from settlements.payouts.gateways.simulated import SimulatedGateway


@pytest.fixture
def simulated_gateway(settings):
    """The simulated provider as the payout gateway; every payout it accepts succeeds."""
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


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """What runs after commit in production (the scheduler's jobs run in autocommit), run here too."""
    return django_capture_on_commit_callbacks
