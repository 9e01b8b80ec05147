"""Real answers of every kind, reads and writes, successes and errors, are validated against the
OpenAPI schema (jsonschema), not only read from it (issue 12, section 3): each status and content type
is documented for its path, and each JSON body matches the documented schema.
"""

import json
import re

import jsonschema
import pytest

from tests.support.api_helpers import (
    GENERATE,
    LIST_ALL,
    generate,
    new_worklog,
    openapi_schema,
    post_adjustment,
    record,
    remittance_of,
    ts,
)
from tests.support.factories import UserFactory, WorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api):
    return openapi_schema(api)


def _json_schema(node):
    """OpenAPI 3.0 -> JSON Schema: `nullable: true` also allows null."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    converted = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _template_of(schema, path: str) -> str:
    if path in schema["paths"]:
        return path
    for template in schema["paths"]:
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) or re.match(pattern, path + "/"):
            return template
    raise AssertionError(f"no schema path for {path}")


def _conforms(schema, method: str, path: str, response) -> None:
    template = _template_of(schema, path.split("?")[0])
    documented = schema["paths"][template][method]["responses"]
    code = str(response.status_code)
    assert code in documented, f"{method.upper()} {path}: {code} is not documented ({sorted(documented)})"
    content = documented[code].get("content", {})
    media = response["Content-Type"].split(";")[0]
    assert media in content, f"{method.upper()} {path}: {code} {media} is not documented ({list(content)})"
    if media == "application/json":
        root = _json_schema({"components": schema["components"]})
        validator = jsonschema.Draft7Validator({**root, **_json_schema(content[media]["schema"])})
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(response.json())]
        assert not errors, f"{method.upper()} {path} {code}: {errors[:5]}"


@pytest.fixture
def scene(api):
    """Every kind of object, with every nullable field both null and set somewhere."""
    worklog = new_worklog(api, rate="10.00")
    first = record(api, worklog["id"], ts("2024-10-01"), 60, externalId="tt-1")
    second = record(api, worklog["id"], ts("2024-10-02"), 60)
    replacement = api.post(
        f"/api/segments/{second['id']}/adjust/",
        {"startedAt": ts("2024-10-02"), "endedAt": ts("2024-10-02", "09:30"), "reason": "r"},
        format="json",
    ).json()
    post_adjustment(api, worklog["id"], "-1.00", effectiveDate="2024-10-31", externalId="fin-9")
    post_adjustment(api, worklog["id"], "2.00")
    run = generate(api, "2024-10-31")
    remittance = remittance_of(run, worklog["workerId"])
    api.post(f"/api/remittances/{remittance['id']}/mark-paid/", {"providerReference": "bank"}, format="json")
    login = UserFactory()
    WorkerFactory(user=login)
    return {
        "worklog": worklog,
        "segment": first,
        "replacement": replacement,
        "run": run,
        "remittance": remittance,
        "login": login,
    }


def test_real_answers_match_the_schema(api, anon_client, make_client, scene, schema, settings):
    w, wl, rem = scene["worklog"]["workerId"], scene["worklog"]["id"], scene["remittance"]["id"]
    reads = [
        "/api/workers/",
        f"/api/workers/{w}/",
        f"/api/workers/{w}/balance/",
        f"/api/workers/{w}/statement/?from=2024-10-01",
        "/api/tasks/",
        "/api/worklogs/?pageSize=1",
        f"/api/worklogs/{wl}/",
        f"/api/worklogs/{wl}/segments/",
        f"{LIST_ALL}?remittanceStatus=UNREMITTED",
        "/api/segments/",
        f"/api/segments/{scene['replacement']['id']}/",
        "/api/adjustments/",
        "/api/remittances/",
        f"/api/remittances/{rem}/",
        "/api/settlement-runs/",
        f"/api/settlement-runs/{scene['run']['id']}/",
        f"/api/settlement-runs/{scene['run']['id']}/remittances.csv",
        # errors
        "/api/worklogs/?workerId=1.5",
        "/api/worklogs/?page=99",
        f"/api/workers/{w}/statement/?to=9999-12-31",
        "/api/workers/987654/",
        "/api/workers/abc/",
    ]
    for path in reads:
        _conforms(schema, "get", path, api.get(path))
    _conforms(schema, "get", "/api/workers/", anon_client.get("/api/workers/"))
    _conforms(schema, "get", "/api/tasks/", make_client(scene["login"]).get("/api/tasks/"))
    writes = [
        ("post", f"/api/remittances/{rem}/cancel/", '{"reason": "r"}', "application/json"),  # 409
        ("post", "/api/tasks/", '{"title": NaN}', "application/json"),  # 400
        ("post", "/api/tasks/", '{"title": "x"}', "application/json; charset=rot13"),  # 415
        ("post", "/api/workers/", '{"name": "A", "email": "a@example.com"}', "application/json"),  # 201
        (
            "post",
            f"/api/worklogs/{wl}/segments/",
            json.dumps({"startedAt": ts("2024-10-01"), "endedAt": ts("2024-10-01", "10:00")}),
            "application/json",
        ),  # 409 overlap
        ("post", GENERATE, '{"periodEnd": "2024-11-30"}', "application/json"),  # 201
        ("post", "/api/imports/?dryRun=true", "[{}]", "application/json"),  # 200 with a skipped record
        ("post", "/api/auth/token/", '{"username": "nobody", "password": "x"}', "application/json"),  # 400
        (
            "post",
            "/api/segments/batch/",
            json.dumps(
                {
                    "segments": [
                        {"worklogId": wl, "startedAt": ts("2024-12-02"), "endedAt": ts("2024-12-02", "10:00")},
                        {
                            "worklogExternalId": "nowhere",
                            "startedAt": ts("2024-12-03"),
                            "endedAt": ts("2024-12-03", "10:00"),
                        },
                        {"worklogId": wl, "startedAt": ts("2024-12-04", "10:00"), "endedAt": ts("2024-12-04")},
                    ]
                }
            ),
            "application/json",
        ),  # 200: one 201, one 404 and one 400 inside
    ]
    for method, path, body, content_type in writes:
        _conforms(schema, method, path, getattr(api, method)(path, data=body, content_type=content_type))
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    _conforms(
        schema,
        "post",
        "/api/tasks/",
        api.post("/api/tasks/", data='{"title": "a long title"}', content_type="application/json"),
    )
