"""The OpenAPI schema at /api/schema/ documents what the API answers (issue 12, section 3): nullable
fields, one enum name per set of statuses, integer path ids, and every 400/401/403/404/409/413/414/415
a path can answer, with its body shape. Real answers are checked against it in
tests/api/test_schema_contract_answers.py.
"""

import pytest

from tests.support.api_helpers import openapi_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api):
    return openapi_schema(api)


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
