"""`POST /api/imports/`: the import over HTTP, for finance staff; its report, dry run and bad bodies."""

import json
from decimal import Decimal

import pytest

from tests.worklogs.timetracker import (
    EXPECTED_CREATED,
    FIXTURE,
    NOTHING,
    assert_skipped,
    raw_record,
    row_counts,
)
from worklogs.models import Adjustment, WorkLog

pytestmark = pytest.mark.django_db


def test_endpoint_answers_200_with_the_report_in_snake_case_and_imports(api):
    response = api.post("/api/imports/", data=FIXTURE.read_bytes(), content_type="application/json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"created", "unchanged", "skipped"}
    assert body["created"] == EXPECTED_CREATED
    assert_skipped(body)
    assert WorkLog.objects.get(external_id="WL-1001").hourly_rate == Decimal("45.39")
    assert Adjustment.objects.get(external_id="adj-6").amount == Decimal("25.50")

    again = api.post("/api/imports/", data=FIXTURE.read_bytes(), content_type="application/json").json()
    assert again["created"] == NOTHING and again["unchanged"] == EXPECTED_CREATED


def test_endpoint_dry_run_writes_nothing(api):
    response = api.post("/api/imports/?dryRun=true", data=FIXTURE.read_bytes(), content_type="application/json")
    assert response.status_code == 200
    assert response.json()["created"] == EXPECTED_CREATED
    assert sum(row_counts().values()) == 0


@pytest.mark.parametrize("body", ['{"worklog_id": "W1"}', "[{", "", '"text"'])
def test_endpoint_refuses_a_body_that_is_not_a_json_array(api, body):
    response = api.post("/api/imports/", data=body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert sum(row_counts().values()) == 0


def test_endpoint_is_for_finance_staff_only(make_client, plain_user, anon_client):
    body = json.dumps([raw_record(1)])
    assert make_client(plain_user).post("/api/imports/", data=body, content_type="application/json").status_code == 403
    assert anon_client.post("/api/imports/", data=body, content_type="application/json").status_code == 401
    assert WorkLog.objects.count() == 0


def test_imported_source_ids_are_visible_and_searchable(api):
    api.post("/api/imports/", data=json.dumps([raw_record(1), raw_record(2)]), content_type="application/json")

    workers = api.get("/api/workers/", {"externalId": "U2"}).json()["results"]
    assert [(w["name"], w["externalId"]) for w in workers] == [("User 2", "U2")]
    worklogs = api.get("/api/worklogs/", {"externalId": "W1"}).json()["results"]
    assert [(w["externalId"], w["amount"]) for w in worklogs] == [("W1", "30.00")]
    segments = api.get(f"/api/worklogs/{worklogs[0]['id']}/segments/").json()["results"]
    assert [s["externalId"] for s in segments] == ["s1"]
    assert api.get("/api/worklogs/", {"externalId": "nope"}).json()["results"] == []
