"""A run's remittances as a CSV for the bank (`GET /api/settlement-runs/{id}/remittances.csv`), finance only."""

import pytest

from settlements import services as settlement_services
from settlements.api.exports import remittance_csv_lines
from tests.support.csv_exports import csv_rows, october_run
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

REMITTANCE_HEADER = ["worker", "external id", "email", "amount", "currency", "status", "remittance id", "period end"]


@pytest.fixture
def october():
    """Three workers (two USD, one EUR) with October work, and the October run."""
    return october_run()


def test_run_remittances_csv_lists_every_remittance_then_totals_per_currency(api, october):
    run = october["run"]
    r_ada, r_sly, r_eve = october["remittances"]

    rows = csv_rows(api.get(f"/api/settlement-runs/{run.pk}/remittances.csv"))

    assert rows == [
        REMITTANCE_HEADER,
        ["Ada", "A-1", "ada@example.com", "60.00", "USD", "PENDING", str(r_ada.pk), "2025-10-31"],
        # A name that a spreadsheet would run as a formula is neutralised.
        ['\'=HYPERLINK("http://evil")', "", "sly@example.com", "7.57", "USD", "PENDING", str(r_sly.pk), "2025-10-31"],
        ["Eve", "E-3", "eve@example.com", "60.00", "EUR", "PENDING", str(r_eve.pk), "2025-10-31"],
        ["TOTAL", "", "", "60.00", "EUR", "", "", "2025-10-31"],
        ["TOTAL", "", "", "67.57", "USD", "", "", "2025-10-31"],
    ]


def test_run_remittances_csv_status_filter_narrows_rows_and_totals(api, october):
    run = october["run"]
    _, r_sly, _ = october["remittances"]
    settlement_services.remittance_cancel(remittance=r_sly, reason="Wrong bank details")

    rows = csv_rows(api.get(f"/api/settlement-runs/{run.pk}/remittances.csv", {"status": "PENDING"}))

    assert [row[0] for row in rows[1:-2]] == ["Ada", "Eve"]
    assert rows[-2:] == [
        ["TOTAL", "", "", "60.00", "EUR", "", "", "2025-10-31"],
        ["TOTAL", "", "", "60.00", "USD", "", "", "2025-10-31"],
    ]
    everything = csv_rows(api.get(f"/api/settlement-runs/{run.pk}/remittances.csv"))
    assert [row[5] for row in everything if row[0].startswith("'=")] == ["CANCELLED"]
    assert api.get(f"/api/settlement-runs/{run.pk}/remittances.csv", {"status": "LOST"}).status_code == 400


def test_run_remittances_csv_is_for_finance_only(make_client, plain_user, anon_client, api, october):
    run = october["run"]
    url = f"/api/settlement-runs/{run.pk}/remittances.csv"
    ada = october["workers"][0]
    ada_user = UserFactory()
    ada.user = ada_user
    ada.save(update_fields=["user"])
    assert make_client(plain_user).get(url).status_code == 403
    assert make_client(ada_user).get(url).status_code == 403
    assert anon_client.get(url).status_code == 401
    assert api.get(f"/api/settlement-runs/{run.pk + 999}/remittances.csv").status_code == 404
    assert api.get(url, HTTP_ACCEPT="text/csv").status_code == 200


def test_remittance_csv_writer_is_usable_without_a_request(october):
    lines = list(remittance_csv_lines(run=october["run"]))
    assert lines[0] == ",".join(REMITTANCE_HEADER) + "\r\n"
    assert lines[-1] == "TOTAL,,,67.57,USD,,,2025-10-31\r\n"
