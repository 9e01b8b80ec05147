"""Fixtures of the banking tests."""

import pytest


@pytest.fixture
def debtor(settings):
    """The account SEPA files pay from."""
    settings.PAYOUT_DEBTOR_NAME = "WorkLog Payroll GmbH"
    settings.PAYOUT_DEBTOR_IBAN = "DE02120300000000202051"
    settings.PAYOUT_DEBTOR_BIC = "BYLADEM1001"
