"""`POST /api/imports/` with the v2 seed and the CSV exports: formats, rate, multipart, roles, and CSV exports
that neutralise formulas brought in by an import."""

import csv
import io
import json
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from api.permissions import INTEGRATION_GROUP
from audit.models import AuditEvent
from settlements import services as settlement_services
from tests.support.factories import UserFactory, WorkerFactory
from tests.worklogs.import_files import counts, sample
from tests.worklogs.timetracker import row_counts
from worklogs.models import Segment

pytestmark = pytest.mark.django_db


def _post(client, body: bytes, query: str = "", content_type: str = "text/csv"):
    return client.post(f"/api/imports/{query}", data=body, content_type=content_type)


@pytest.fixture
def integration_client(make_client):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=INTEGRATION_GROUP))
    return make_client(user)


def test_a_csv_body_is_recognised_and_answered_with_counts_and_rejected_rows(api):
    response = _post(api, sample("toggl.csv"), "?rate=45.00")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {
        "format": "toggl",
        "dry_run": False,
        "created": counts(worker=2, task=2, worklog=2, segment=3),
        "skipped": counts(),
        "rejected": counts(),
        "rejected_rows": [],
    }
    event = AuditEvent.objects.filter(action="segment.recorded").order_by("pk").first()
    assert event.actor_id == api.user.pk  # the importing user is the actor of every change


def test_the_format_can_be_named_and_a_wrong_one_is_a_400_that_names_the_formats(api):
    wrong = _post(api, sample("toggl.csv"), "?format=harvest")
    assert wrong.status_code == 400
    assert "Not a harvest export" in wrong.json()["detail"] and "toggl" in wrong.json()["detail"]
    assert _post(api, sample("toggl.csv"), "?format=excel").status_code == 400
    named = _post(api, sample("v2.json"), "?format=v2", content_type="application/json")
    assert named.status_code == 200 and named.json()["created"]["segment"] == 5


def test_an_unrecognised_file_is_a_400_naming_the_formats_and_writes_nothing(api):
    response = _post(api, b"Name,Amount\nx,1\n")
    assert response.status_code == 400
    assert "Toggl Track, Clockify or Harvest" in response.json()["detail"]
    assert sum(row_counts().values()) == 0


@pytest.mark.parametrize("rate", ["abc", "0", "-5", "1.234", "NaN"])
def test_a_bad_rate_is_a_400(api, rate):
    response = _post(api, sample("toggl.csv"), f"?rate={rate}")
    assert response.status_code == 400 and "rate" in response.json()
    assert sum(row_counts().values()) == 0


def test_a_multipart_upload_is_read_like_a_raw_body(api):
    upload = SimpleUploadedFile("harvest.csv", sample("harvest.csv"), content_type="text/csv")
    response = api.post("/api/imports/?rate=45.00&dryRun=true", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["format"] == "harvest" and response.json()["created"]["segment"] == 3
    assert sum(row_counts().values()) == 0
    missing = api.post("/api/imports/", {"other": "x"}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()


def test_finance_may_import_an_integration_a_worker_user_and_a_plain_user_may_not(
    api, integration_client, make_client, plain_user, anon_client
):
    worker_login = UserFactory()
    WorkerFactory(user=worker_login)
    assert _post(make_client(worker_login), sample("toggl.csv"), "?rate=45.00").status_code == 403
    assert _post(make_client(plain_user), sample("toggl.csv"), "?rate=45.00").status_code == 403
    assert _post(anon_client, sample("toggl.csv"), "?rate=45.00").status_code == 401
    assert _post(integration_client, sample("toggl.csv"), "?rate=45.00").status_code == 403
    assert Segment.objects.count() == 0

    assert _post(api, sample("toggl.csv"), "?rate=45.00").status_code == 200
    assert Segment.objects.count() == 3
    again = _post(api, sample("toggl.csv"))
    assert again.status_code == 200 and again.json()["skipped"] == counts(segment=3)


def _cells(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_formulas_brought_in_by_an_import_are_stored_as_text_and_neutralised_in_the_csv_exports(api, settings):
    settings.SETTLEMENT_APPROVAL_REQUIRED = False  # the bank file of an approved run; approval is not the point
    seed = json.loads(sample("v2.json"))
    seed["users"][0]["display_name"] = "=cmd|' /C calc'!A0"
    seed["users"][0]["external_id"] = "@u-ada"
    seed["tasks"][0]["title"] = "+SUM(1+1)"
    seed["worklogs"][0]["external_id"] = "-2+3"
    for item in (*seed["worklogs"], *seed["adjustments"]):
        if item["user_external_id"] == "u-ada":
            item["user_external_id"] = "@u-ada"
    for entry in seed["time_entries"]:
        if entry["worklog_external_id"] == "wl-1":
            entry["worklog_external_id"] = "-2+3"
    seed["adjustments"][0]["worklog_external_id"] = "-2+3"
    response = _post(api, json.dumps(seed).encode(), content_type="application/json")
    assert response.status_code == 200 and response.json()["rejected_rows"] == [], response.content

    rows = _cells(api.get("/api/worklogs/?format=csv"))
    ada = next(row for row in rows[1:] if row[1] == "'-2+3")
    assert ada[3:5] == ["'=cmd|' /C calc'!A0", "'@u-ada"]
    assert ada[6] == "'+SUM(1+1)"

    run = settlement_services.settlement_generate(period_end=date(2026, 10, 31))
    answer = api.get(f"/api/settlement-runs/{run.pk}/remittances.csv")
    assert answer.status_code == 200, answer.content
    remittances = _cells(answer)
    assert next(r for r in remittances if r[1] == "'@u-ada")[:2] == ["'=cmd|' /C calc'!A0", "'@u-ada"]
