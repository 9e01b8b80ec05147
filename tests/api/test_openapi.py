"""The OpenAPI schema and its docs page: served without network assets, documenting the contract's details."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_served(anon_client):
    response = anon_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/generate-remittances-for-all-users" in {p.rstrip("/") for p in paths} or any(
        p.startswith("/generate-remittances-for-all-users") for p in paths
    )
    assert any(p.startswith("/list-all-worklogs") for p in paths)


def test_docs_page_uses_only_local_assets():
    response = Client().get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    for line in html.splitlines():
        if "src=" in line or "href=" in line:
            assert "http://" not in line and "https://" not in line and "//cdn" not in line, line


def test_swagger_assets_are_served_locally():
    html = Client().get("/docs").content.decode()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert assets, html
    for asset in assets:
        assert Client().get(asset).status_code == 200, asset


def test_openapi_schema_documents_the_remittance_state_machine_and_its_409s(anon_client):
    schema = anon_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for action, allowed in (("mark-paid", "PENDING or PROCESSING"), ("mark-failed", "PENDING or PROCESSING")):
        operation = schema["paths"][f"/api/remittances/{{id}}/{action}/"]["post"]
        assert f"Allowed from {allowed}." in operation["description"]
        assert "PENDING -> PROCESSING" in operation["description"]
        assert {"200", "400", "404", "409"} <= set(operation["responses"])
    cancel = schema["paths"]["/api/remittances/{id}/cancel/"]["post"]
    assert "PENDING only" in cancel["description"] and "payout_in_doubt" in cancel["description"]
    assert "409" in cancel["responses"]
    status_enum = schema["components"]["schemas"]["RemittanceStatusEnum"]["enum"]
    assert status_enum == ["PENDING", "PROCESSING", "PAID", "FAILED", "CANCELLED", "RETURNED"]


def test_the_schema_documents_the_statement(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/workers/{id}/statement/"]["get"]
    assert "unremitted + pending" in operation["description"]
    assert {p["name"] for p in operation["parameters"]} >= {"from", "to"}


def test_schema_documents_the_webhook_and_async_generate(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    webhook = schema["paths"]["/api/payout-events/"]["post"]
    assert webhook.get("security", [{}]) == [{}]  # no user token (the API's other operations have one)
    assert set(webhook["requestBody"]["content"]) == {"application/json"}
    assert "X-Payout-Signature" in [p["name"] for p in webhook["parameters"]]
    assert {"200", "400", "401"} <= set(webhook["responses"])
    generate_op = schema["paths"]["/generate-remittances-for-all-users/"]["post"]
    assert "202" in generate_op["responses"]
    assert "Prefer" in [p["name"] for p in generate_op["parameters"]]
    assert "/api/settlement-runs/{id}/resume/" in schema["paths"]
