"""Fixtures of the admin tests: a finance client, a worklog worth 10.00, and its PENDING October remittance."""

from decimal import Decimal

import pytest
from django.test import Client

from settlements import services as settlement_services
from settlements.models import Remittance
from tests.backoffice.admin_helpers import PERIOD_END, login, work
from tests.support.browser import chromium_page
from tests.support.factories import WorkLogFactory


@pytest.fixture
def finance(finance_user) -> Client:
    """A member of the `finance` group, with only the group's permissions (not a superuser)."""
    return login(finance_user)


@pytest.fixture
def worklog():
    """Three 20-minute segments at 10.00/h: 3.33 + 3.34 + 3.33 = 10.00."""
    worklog = WorkLogFactory(hourly_rate=Decimal("10.00"))
    for start in ("09:00", "09:20", "09:40"):
        work(worklog, "2026-10-05", start, 20)
    return worklog


@pytest.fixture
def remittance(worklog) -> Remittance:
    settlement_services.settlement_generate(period_end=PERIOD_END)
    return Remittance.objects.get(worker=worklog.worker)


@pytest.fixture
def browser_page(monkeypatch):
    """A headless Chromium page (tests/support/browser.py)."""
    yield from chromium_page(monkeypatch)
