"""The finance dashboard on the admin's home page: counts linking to the lists they count, money per
currency, the charts, and a bounded number of queries; anyone else sees the stock list alone."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.backoffice.admin_helpers import login
from tests.settlements import dashboard_data
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

EXPECTED_COUNTS = {
    "awaiting-approval": 1,
    "payee-unconfirmed": 1,
    "failed-not-repaid": 2,
    "in-doubt": 1,
    "stalled-or-failed": 1,
    "disputed-old": 1,
    "advice-skipped": 0,
    "advice-failing": 0,
    "audit-differences": 2,
}


@pytest.fixture
def known():
    return dashboard_data.build()


def attention(html: str) -> dict[str, tuple[str, str]]:
    """{slug: (count, link)} as the page shows them."""
    rows = re.findall(r'<tr id="attention-([a-z-]+)".*?<a href="([^"]+)"[^>]*>([^<]+)</a>', html, re.S)
    return {slug: (count, link.replace("&amp;", "&")) for slug, link, count in rows}


def test_finance_sees_each_count_and_the_list_it_links_to_has_that_many_rows(finance, known):
    response = finance.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    shown = attention(html)
    assert {slug: int(count) for slug, (count, _) in shown.items()} == EXPECTED_COUNTS
    for slug, (count, link) in shown.items():
        if slug == "audit-differences":
            continue
        listed = finance.get(link)
        assert listed.status_code == 200, link
        assert listed.context["cl"].result_count == int(count), slug
    failed = finance.get(shown["failed-not-repaid"][1]).context["cl"].result_list
    assert sorted(r.pk for r in failed) == [known.bob_october.pk, known.hana_october.pk]
    audit = finance.get(shown["audit-differences"][1])
    assert audit.status_code == 200 and audit.context["cl"].result_count == 1
    # The stock list of models stays below the dashboard.
    assert html.index('id="finance-dashboard"') < html.index('id="content-main"')
    assert "Settlement runs" in html


def test_money_at_a_glance_per_currency_to_the_cent(finance, known):
    html = finance.get("/admin/").content.decode()

    def figures(currency):
        row = re.search(rf'<tr id="money-{currency}">(.*?)</tr>', html, re.S).group(1)
        return dict(re.findall(r'data-figure="([a-z-]+)">([^<]*)<', row))

    assert figures("USD") == {
        "unremitted": "27.00",
        "pending": "24.24",
        "processing": "0.00",
        "owed": "51.24",
        "paid-this-month": "7.50",
        "paid-last-month": "0.00",
    }
    assert figures("EUR") == {
        "unremitted": "0.00",
        "pending": "0.00",
        "processing": "10.00",
        "owed": "10.00",
        "paid-this-month": "0.00",
        "paid-last-month": "0.00",
    }


def test_the_next_run_is_framed_from_its_own_page_with_the_dry_runs_figures(finance, known):
    html = finance.get("/admin/").content.decode()
    frame = re.search(r'<iframe id="next-run-frame"[^>]*src="([^"]+)"', html)
    assert frame and frame.group(1) == "/admin/dashboard/next-run/"
    page = finance.get(frame.group(1))
    assert page.status_code == 200
    assert page["X-Frame-Options"] == "SAMEORIGIN"  # the dashboard may frame it, another site may not
    rows = {
        currency: dict(re.findall(r'data-figure="([a-z]+)">([^<]*)<', row))
        for currency, row in re.findall(r'<tr id="next-run-([A-Z]{3})">(.*?)</tr>', page.content.decode(), re.S)
    }
    # Frank's 15.00 (USD); Chloé's EUR is PROCESSING, so a run now pays no EUR.
    assert rows == {"USD": {"workers": "1", "total": "15.00"}}


def test_the_next_run_page_is_finance_only(known, client):
    staff = UserFactory(is_staff=True)
    assert login(staff).get("/admin/dashboard/next-run/").status_code == 403
    anonymous = client.get("/admin/dashboard/next-run/")
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


def test_the_charts_are_inline_svg_with_titles_and_values(finance, known):
    html = finance.get("/admin/").content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="dashboard-chart" id="chart-paid-usd" role="img"' in html
    assert '<title id="chart-paid-usd-title">Paid per month, USD</title>' in html
    assert '<title id="chart-owed-eur-title">Owed to workers at each month&#x27;s end, EUR</title>' in html
    assert re.search(r"<title>[A-Z][a-z]{2} \d{4}: 7\.50 USD paid</title>", html)
    assert re.search(r"<title>[A-Z][a-z]{2} \d{4}: 51\.24 USD owed</title>", html)
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # nothing loaded from elsewhere
    assert "<script" not in html.split('id="finance-dashboard"')[1].split('id="content-main"')[0]


def test_the_dashboard_reads_a_fixed_number_of_queries_whatever_the_data(finance, known):
    finance.get("/admin/")  # warm the session and the content types
    with CaptureQueriesContext(connection) as small:
        finance.get("/admin/")
    for _ in range(5):  # more payouts, failures and currencies do not add queries
        dashboard_data.build(with_operations=False)
    with CaptureQueriesContext(connection) as large:
        finance.get("/admin/")
    assert len(large) == len(small)
    assert len(small) <= 23  # session, user, 9 counts and the audit, owed (2), paid, owed history (3), app list


def test_a_user_who_is_not_finance_sees_the_stock_index_without_the_dashboard(known):
    staff = UserFactory(is_staff=True)
    html = login(staff).get("/admin/").content.decode()
    assert 'id="finance-dashboard"' not in html


def test_the_remittance_page_links_to_its_advice_in_html(finance, known):
    remittance = known.alice_november
    page = finance.get(f"/admin/settlements/remittance/{remittance.pk}/change/").content.decode()
    assert f'href="/admin/settlements/remittance/{remittance.pk}/advice/" id="remittance-advice-link"' in page
    advice = finance.get(f"/admin/settlements/remittance/{remittance.pk}/advice/")
    assert advice.status_code == 200
    html = advice.content.decode()
    assert '<td id="advice-amount">6.67 USD</td>' in html
    assert "Duplicate entry" in html and "-3.33" in html and "Clawback" in html
    assert f'href="/api/remittances/{remittance.pk}/advice.pdf"' in html
    assert advice.context["advice"].amount == Decimal("6.67")


def test_a_staff_user_without_the_remittance_permission_cannot_read_an_advice(known):
    staff = UserFactory(is_staff=True)
    assert login(staff).get(f"/admin/settlements/remittance/{known.alice_october.pk}/advice/").status_code == 403
