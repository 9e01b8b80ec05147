"""`/metrics`: Prometheus text that `prometheus_client`'s own parser reads, with the domain figures
exact for a known data set (tests/ops/known_data.py); open to loopback, `METRICS_ALLOWED_NETWORKS`
and finance tokens only. Multiprocess mode under gunicorn: test_logs_gunicorn.py."""

import ipaddress

import pytest
from rest_framework.test import APIClient

from api.tokens import token_issue
from tests.ops import known_data
from tests.support.factories import FinanceUserFactory, UserFactory
from tests.support.metrics import scrape

pytestmark = pytest.mark.django_db


def test_the_domain_figures_of_a_known_data_set(api):
    data = known_data.build(api)
    known_data.set_run_duration(data["run"]["id"], seconds=10)
    known_data.payout_in_doubt(data["alice"]["id"])
    known_data.stalled_run()
    known_data.queued_task(waited_seconds=120)
    known_data.audit_found(differences=3)

    metrics = scrape()

    assert metrics["wls_remittances"] == {
        (("currency", "USD"), ("status", "PENDING")): 1,
        (("currency", "USD"), ("status", "PAID")): 1,
        (("currency", "EUR"), ("status", "CANCELLED")): 1,
    }
    assert metrics["wls_remittances_amount"] == {
        (("currency", "USD"), ("status", "PENDING")): 30.00,
        (("currency", "USD"), ("status", "PAID")): 7.57,
        (("currency", "EUR"), ("status", "CANCELLED")): 10.00,
    }
    assert metrics["wls_owed_amount"] == {
        (("currency", "USD"), ("state", "unremitted")): 12.00,
        (("currency", "USD"), ("state", "pending")): 30.00,
        (("currency", "EUR"), ("state", "unremitted")): 10.00,
        (("currency", "EUR"), ("state", "pending")): 0.00,
    }
    assert metrics["wls_payout_submissions_in_doubt"] == {(): 1}
    assert metrics["wls_settlement_runs_stalled"] == {(): 1}
    assert 120 <= metrics["wls_tasks_oldest_queued_age_seconds"][()] < 180
    assert metrics["wls_settlement_last_run_id"] == {(): data["run"]["id"]}
    assert metrics["wls_settlement_last_run_duration_seconds"] == {(): 10.0}
    assert metrics["wls_settlement_last_run_workers_per_second"] == {(): 0.4}  # 4 workers in 10 s
    assert metrics["wls_settlement_last_run_items_per_second"] == {(): 0.5}  # 5 items in 10 s
    assert metrics["wls_audit_last_differences"] == {(): 3}
    assert metrics["wls_domain_figures_up"] == {(): 1}


def test_an_empty_system_reads_zero_and_leaves_out_what_never_happened():
    metrics = scrape()
    assert metrics["wls_payout_submissions_in_doubt"] == {(): 0}
    assert metrics["wls_tasks_oldest_queued_age_seconds"] == {(): 0}
    assert "wls_remittances" not in metrics
    assert "wls_settlement_last_run_duration_seconds" not in metrics
    assert "wls_audit_last_differences" not in metrics


def test_request_metrics_of_django_prometheus_are_there(anon_client):
    anon_client.get("/healthz")
    metrics = scrape()
    assert any(name.startswith("django_http_requests_total") for name in metrics)


REMOTE = {"REMOTE_ADDR": "203.0.113.9"}


def test_closed_to_other_addresses_without_a_token(anon_client):
    response = anon_client.get("/metrics", **REMOTE)
    assert response.status_code == 403


def test_a_finance_token_reads_it_from_anywhere():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=FinanceUserFactory())[1]}")
    assert "wls_domain_figures_up" in scrape(client, **REMOTE)


def test_another_users_token_is_refused_and_a_bad_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=UserFactory())[1]}")
    assert client.get("/metrics", **REMOTE).status_code == 403
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    assert client.get("/metrics", **REMOTE).status_code == 401


def test_the_allowed_networks_read_it(settings):
    settings.METRICS_ALLOWED_NETWORKS = [*settings.METRICS_ALLOWED_NETWORKS, ipaddress.ip_network("203.0.113.0/24")]
    assert "wls_domain_figures_up" in scrape(**REMOTE)
    assert APIClient().get("/metrics", REMOTE_ADDR="198.51.100.1").status_code == 403


def test_behind_a_proxy_the_client_address_decides_not_the_proxys(settings):
    # A local reverse proxy: every request arrives from loopback, the client is in X-Forwarded-For.
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient()
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert "wls_domain_figures_up" in scrape(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")
