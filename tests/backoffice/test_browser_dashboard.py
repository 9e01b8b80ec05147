"""The finance dashboard and a remittance advice in a real browser (Playwright on Debian's Chromium).

Finance logs in and lands on the dashboard: each count of the known data set
(tests/settlements/dashboard_data.py) and where its link leads, a chart with its accessible title,
then a remittance's advice opened from its admin page. Its screenshots go to test-artifacts/; with
SCREENSHOTS=1 they replace the README's ("For finance staff") in docs/screenshots/.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.settlements import dashboard_data
from tests.support.factories import UserFactory

pytestmark = [pytest.mark.browser]
SCREENSHOTS = Path(settings.BASE_DIR) / (
    "docs/screenshots" if os.environ.get("SCREENSHOTS") == "1" else "test-artifacts"
)


@pytest.fixture
def page(browser_page):
    return browser_page


def count_of(page, slug: str) -> str:
    return page.inner_text(f"#attention-{slug} .attention-count a").strip()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_roles")  # the finance group comes from data migrations
def test_finance_reads_the_dashboard_follows_a_count_and_opens_an_advice(live_server, page):
    known = dashboard_data.build()
    UserFactory(username="fiona", is_staff=True, is_superuser=True, password="pass-1234")
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "fiona")
    page.fill("#id_password", "pass-1234")
    page.click("input[type=submit]")
    page.wait_for_selector("#finance-dashboard")

    counts = {
        slug: count_of(page, slug)
        for slug in ("failed-not-repaid", "in-doubt", "stalled-or-failed", "disputed-old", "audit-differences")
    }
    assert counts == {
        "failed-not-repaid": "2",
        "in-doubt": "1",
        "stalled-or-failed": "1",
        "disputed-old": "1",
        "audit-differences": "2",
    }
    assert page.inner_text('#money-USD [data-figure="owed"]').strip() == "51.24"
    assert page.inner_text('#money-EUR [data-figure="processing"]').strip() == "10.00"
    # The next run's figures arrive in their frame (their own page, computed after the dashboard's).
    next_run = page.frame_locator("#next-run-frame")
    assert next_run.locator('#next-run-USD [data-figure="total"]').inner_text().strip() == "15.00"
    assert next_run.locator('#next-run-USD [data-figure="workers"]').inner_text().strip() == "1"
    chart = page.locator("svg#chart-paid-usd")
    assert chart.get_attribute("role") == "img"
    assert page.locator("#chart-paid-usd-title").text_content() == "Paid per month, USD"
    assert "7.50" in chart.text_content()
    assert page.locator("#content-main").is_visible()  # the stock list of models below
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "finance-dashboard.png"), full_page=True)

    # The count of failed and returned payouts leads to exactly those payouts.
    page.click("#attention-failed-not-repaid .attention-count a")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 2
    listed = page.inner_text("#result_list")
    assert "Bob Stone" in listed and "Failed" in listed and "Hana Sato" in listed and "Returned" in listed

    # A remittance's advice, from its admin page.
    page.goto(f"{live_server.url}/admin/settlements/remittance/{known.alice_november.pk}/change/")
    page.click("#remittance-advice-link")
    page.wait_for_selector("#remittance-advice")
    assert page.inner_text("#advice-amount").strip() == "6.67 USD"
    assert "Duplicate entry" in page.inner_text("#advice-corrections")
    page.screenshot(path=str(SCREENSHOTS / "remittance-advice.png"), full_page=True)
    pdf = page.request.get(live_server.url + page.get_attribute("#advice-pdf-link", "href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert os.path.getsize(SCREENSHOTS / "finance-dashboard.png") > 0
