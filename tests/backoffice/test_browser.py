"""End to end in a real browser: finance logs in, records a deduction, cancels a payout, reads the worklog.

Playwright drives Debian's Chromium (`/usr/bin/chromium`), never a downloaded browser. Screenshots
land in `test-artifacts/` (gitignored; CI keeps them). Without Chromium the test is skipped with a
message saying how to enable it; `.ci/run` installs it, so CI always runs this test.
"""

import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from settlements import services as settlement_services
from settlements.models import Remittance, RemittanceStatus
from tests.support.browser import ARTIFACTS
from tests.support.factories import UserFactory, WorkLogFactory
from worklogs import services

pytestmark = [pytest.mark.browser]


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_roles")  # the finance group's permissions come from data migrations
def test_finance_records_a_deduction_cancels_a_payout_and_sees_the_amounts(live_server, browser_page):
    page = browser_page
    UserFactory(username="fiona", is_staff=True, is_superuser=True, password="pass-1234")
    worklog = WorkLogFactory(worker__name="Alice Martin", task__title="Translate manual", hourly_rate=Decimal("10.00"))
    start = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    for n in range(3):  # 3.33 + 3.34 + 3.33 = 10.00
        begin = start + timedelta(minutes=20 * n)
        services.segment_record(worklog=worklog, started_at=begin, ended_at=begin + timedelta(minutes=20))
    settlement_services.settlement_generate(period_end=date(2026, 10, 31))
    remittance = Remittance.objects.get()
    assert remittance.amount == Decimal("10.00")

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "fiona")
    page.fill("#id_password", "pass-1234")
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")

    # Record a deduction from the worklog's page.
    page.goto(f"{live_server.url}/admin/worklogs/worklog/{worklog.pk}/change/")
    page.click("#record-adjustment")
    page.fill("#id_amount", "-30.00")
    page.fill("#id_reason", "Damaged laptop")
    shot(page, "01-record-deduction")
    page.click("input[name=apply]")
    page.wait_for_selector(".messagelist .success")
    assert "of -30.00 USD on worklog" in page.inner_text(".messagelist")

    # Cancel the pending remittance with a reason, after seeing what it releases.
    page.goto(f"{live_server.url}/admin/settlements/remittance/")
    page.check(f"input[name=_selected_action][value='{remittance.pk}']")
    page.select_option("select[name=action]", "cancel")
    page.click("button[name=index]")
    page.wait_for_selector("#service-table")
    assert f"worklog #{worklog.pk}: 10.00" in page.inner_text("#service-table")
    assert "released: back to unremitted" in page.inner_text("#service-table")
    page.fill("#id_reason", "Wrong bank account")
    shot(page, "02-cancel-remittance")
    page.click("input[name=apply]")
    page.wait_for_selector(".messagelist .success")
    assert "1 remittance(s) cancelled." in page.inner_text(".messagelist")

    # The worklog's amounts, as the page shows them: 10.00 earned - 30.00 deducted, nothing paid.
    page.goto(f"{live_server.url}/admin/worklogs/worklog/{worklog.pk}/change/")
    readonly = {
        field: page.inner_text(f".form-row.field-{field} .readonly").strip()
        for field in ("amount", "remitted_amount", "unremitted", "remittance_status")
    }
    assert readonly == {
        "amount": "-20.00",
        "remitted_amount": "0.00",
        "unremitted": "-20.00",
        "remittance_status": "UNREMITTED",
    }
    assert "CANCELLED" in page.inner_text(".form-row.field-remittance_history")
    shot(page, "03-worklog-amounts")

    # The worker's statement reconciles with the balance.
    page.goto(f"{live_server.url}/admin/worklogs/worker/{worklog.worker_id}/statement/")
    assert page.inner_text("#statement-closing").strip() == "-20.00"
    assert "reconciles with the balance endpoint" in page.inner_text("#statement-reconciles")
    shot(page, "04-worker-statement")

    # Start the next run from the admin: the preview shows the carried deduction and pays nothing.
    page.goto(f"{live_server.url}/admin/settlements/settlementrun/add/")
    page.fill("#id_period_end", "2026-11-30")
    page.click("input[name=preview]")
    page.wait_for_selector("#service-table")
    assert "-20.00 USD" in page.inner_text("#service-table")
    shot(page, "05-settlement-preview")

    remittance.refresh_from_db()
    assert (remittance.status, remittance.status_reason) == (RemittanceStatus.CANCELLED, "Wrong bank account")
    assert os.path.getsize(ARTIFACTS / "03-worklog-amounts.png") > 0
