"""The contract's order and the OpenAPI schema tell the truth (issue 12, section 3).

- A transition the remittance's state forbids is 409 before its body is read, whatever the body;
  an adjustment externalId reused with other fields is 409 whatever else is wrong with the body.
- The schema at /api/schema/ documents what the API answers: nullable fields, one enum name per
  set of statuses, and every 400/401/403/404/409/413/415 a path can answer, with its body shape.
  Real answers of every kind are validated against the schema (jsonschema), not only read from it.
"""

import json
import re

import jsonschema
import pytest

from settlements.models import Remittance
from settlements.services import remittance_mark_processing
from tests.support.api_helpers import (
    GENERATE,
    LIST_ALL,
    generate,
    new_worklog,
    post_adjustment,
    record,
    remittance_of,
    ts,
)
from tests.support.factories import UserFactory, WorkerFactory
from tests.support.hostile_input import all_counts

pytestmark = pytest.mark.django_db

MALFORMED_BODIES = [
    '{"reason": ""}',
    '{"reason": "   "}',
    '{"reason": null}',
    '{"reason": ["a"]}',
    '{"providerReference": "' + "x" * 201 + '"}',
    "[]",
    '"text"',
    "{",
    '{"reason": NaN}',
    '{"reason": "\\ud800"}',
]


@pytest.fixture
def remittances(api):
    """One remittance of each status a transition can start from: PENDING, PROCESSING, PAID, FAILED, CANCELLED."""
    found = {}
    for status in ("PENDING", "PROCESSING", "PAID", "FAILED", "CANCELLED"):
        worklog = new_worklog(api, rate="10.00")
        record(api, worklog["id"], ts("2024-10-01"), 60)
        remittance = remittance_of(generate(api, "2024-10-31"), worklog["workerId"])
        action = {"PAID": "mark-paid", "FAILED": "mark-failed", "CANCELLED": "cancel"}.get(status)
        if action:
            response = api.post(f"/api/remittances/{remittance['id']}/{action}/", {"reason": "r"}, format="json")
            assert response.status_code == 200, response.content
        if status == "PROCESSING":
            remittance_mark_processing(remittance=Remittance.objects.get(pk=remittance["id"]), provider_reference="p")
        found[status] = remittance["id"]
    return found


FORBIDDEN = [
    ("PAID", "mark-paid"),
    ("PAID", "mark-failed"),
    ("PAID", "cancel"),
    ("FAILED", "mark-paid"),
    ("FAILED", "mark-failed"),
    ("FAILED", "cancel"),
    ("CANCELLED", "mark-paid"),
    ("CANCELLED", "mark-failed"),
    ("CANCELLED", "cancel"),
    ("PROCESSING", "cancel"),
]


@pytest.mark.parametrize(("status", "action"), FORBIDDEN)
def test_a_forbidden_remittance_transition_is_409_whatever_the_body(api, remittances, status, action):
    url = f"/api/remittances/{remittances[status]}/{action}/"
    before, wrong = all_counts(), []
    for body in MALFORMED_BODIES:
        response = api.post(url, data=body, content_type="application/json")
        if response.status_code != 409 or response.json().get("code") != "illegal_transition":
            wrong.append((body[:30], response.status_code, response.content[:120]))
    assert not wrong, wrong
    assert all_counts() == before
    assert Remittance.objects.get(pk=remittances[status]).status == status


@pytest.mark.parametrize(
    ("status", "action"), [("PENDING", "mark-failed"), ("PENDING", "cancel"), ("PROCESSING", "mark-paid")]
)
def test_an_allowed_transition_still_validates_its_body(api, remittances, status, action):
    before = all_counts()
    for body in ('{"reason": ""}', "{", "[]"):
        if action == "mark-paid" and body == '{"reason": ""}':
            body = '{"providerReference": "' + "x" * 201 + '"}'
        response = api.post(
            f"/api/remittances/{remittances[status]}/{action}/", data=body, content_type="application/json"
        )
        assert response.status_code == 400, (body, response.content)
    assert all_counts() == before


# (what is wrong with the body besides reusing the externalId)
REUSED_WITH = [
    {"reason": ""},
    {"reason": "   "},
    {"reason": None},
    {"amount": "0.00"},
    {"amount": "abc"},
    {"amount": "1.234"},
    {"amount": "5000000.00"},
    {"effectiveDate": "2024-02-30"},
    {"effectiveDate": "9999-12-31"},
    {"worklogId": 987654},
    {"worklogId": 1.5},
    {"amount": "-2.50", "reason": "another reason"},
]


@pytest.mark.parametrize("changed", REUSED_WITH, ids=[json.dumps(c) for c in REUSED_WITH])
def test_a_reused_adjustment_external_id_is_409_whatever_else_is_wrong(api, changed):
    worklog = new_worklog(api, rate="10.00")
    first = post_adjustment(api, worklog["id"], "-2.50", reason="late delivery", externalId="fin-1")
    assert first.status_code == 201, first.content
    before = all_counts()
    body = {"worklogId": worklog["id"], "amount": "-2.50", "reason": "late delivery", "externalId": "fin-1", **changed}

    response = api.post("/api/adjustments/", body, format="json")

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "external_id_reused"
    assert all_counts() == before


def test_the_same_adjustment_reposted_is_200(api):
    worklog = new_worklog(api, rate="10.00")
    first = post_adjustment(api, worklog["id"], "-2.50", reason="late delivery", externalId="fin-2")
    again = post_adjustment(api, worklog["id"], "-2.50", reason="  late delivery ", externalId="fin-2")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]


# --- The schema ---------------------------------------------------------------------------------


@pytest.fixture
def schema(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def _component(schema, name):
    return schema["components"]["schemas"][name]


def _enum_of(schema, prop):
    ref = prop.get("$ref") or prop.get("allOf", [{}])[0].get("$ref")
    name = ref.rsplit("/", 1)[1]
    return name, _component(schema, name)["enum"]


def test_the_worklog_and_the_remittance_statuses_are_two_enums_with_two_names(schema):
    worklog_name, worklog_values = _enum_of(schema, _component(schema, "WorkLog")["properties"]["remittanceStatus"])
    remittance_name, remittance_values = _enum_of(schema, _component(schema, "Remittance")["properties"]["status"])
    segment_name, segment_values = _enum_of(schema, _component(schema, "Segment")["properties"]["status"])
    assert worklog_values == ["REMITTED", "UNREMITTED"]
    assert remittance_values == ["PENDING", "PROCESSING", "PAID", "FAILED", "CANCELLED", "RETURNED"]
    assert segment_values == ["ACTIVE", "DISPUTED", "REMOVED", "SUPERSEDED"]
    assert len({worklog_name, remittance_name, segment_name}) == 3


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("Segment", "replacesId"),
        ("Segment", "externalId"),
        ("Adjustment", "effectiveDate"),
        ("Adjustment", "externalId"),
        ("Remittance", "statusChangedAt"),
        ("SettlementRunList", "finishedAt"),
        ("WorkLog", "externalId"),
        ("Worker", "externalId"),
    ],
)
def test_fields_the_api_answers_null_are_nullable(schema, component, field):
    assert _component(schema, component)["properties"][field].get("nullable") is True


# Operations that can answer 409, and why (API.md).
CONFLICTS = [
    ("post", "/api/worklogs/"),
    ("post", "/api/worklogs/{id}/segments/"),
    ("post", "/api/segments/{id}/dispute/"),
    ("post", "/api/segments/{id}/resolve/"),
    ("post", "/api/segments/{id}/remove/"),
    ("post", "/api/segments/{id}/adjust/"),
    ("post", "/api/adjustments/"),
    ("post", "/generate-remittances-for-all-users/"),
    ("post", "/api/remittances/{id}/mark-paid/"),
    ("post", "/api/remittances/{id}/mark-failed/"),
    ("post", "/api/remittances/{id}/cancel/"),
    ("post", "/api/settlement-runs/{id}/resume/"),
]


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "patch", "put", "delete"}:
                yield method, path, operation


def _body_ref(response) -> str:
    return response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]


def test_every_error_a_path_can_answer_is_documented_with_its_body(schema):
    missing = []
    for method, path, operation in _operations(schema):
        responses = operation["responses"]
        expected = set()
        if operation.get("security"):
            expected |= {"401", "403"}
        if "{" in path:
            expected.add("404")
        if "requestBody" in operation and path != "/api/payout-events/":
            expected |= {"400", "413", "415"}
        if any(p["in"] == "query" and p["name"] != "format" for p in operation.get("parameters", [])):
            expected |= {"400", "414"}
        if (method, path) in CONFLICTS:
            expected.add("409")
        for code in sorted(expected - set(responses)):
            missing.append(f"{method.upper()} {path}: {code} undocumented")
        for code, response in responses.items():
            if code == "414":  # gunicorn's own page, before Django: HTML
                if set(response.get("content", {})) != {"text/html"}:
                    missing.append(f"{method.upper()} {path}: 414 is not gunicorn's HTML page")
            elif code.startswith("4"):
                body = _body_ref(response)
                if body != ("ValidationError" if code == "400" else "Error"):
                    missing.append(f"{method.upper()} {path}: {code} documents {body}")
    assert not missing, "\n".join(missing)


def test_the_error_bodies_are_components(schema):
    assert _component(schema, "Error")["required"] == ["detail"]
    assert set(_component(schema, "Error")["properties"]) == {"detail", "code"}
    assert _component(schema, "ValidationError")["type"] == "object"


def test_an_id_in_a_path_is_an_integer(schema):
    for _, path, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["schema"]["type"] == "integer", (path, parameter)


# --- Real answers against the schema --------------------------------------------------------------


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
