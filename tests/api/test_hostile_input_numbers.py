"""Hostile input, numbers: an id (in a body, a query or a path) and an amount of money are written with
the ASCII digits 0-9 only; fractions, exponents, booleans, other scripts' digits, padding, signs and
overflowing values are 400 and write nothing. The shared world and endpoint table:
tests/support/hostile_input.py.
"""

import json

import pytest

from tests.support.api_helpers import LIST_ALL
from tests.support.hostile_input import (
    LIST_PATHS,
    all_counts,
    check_status,
    endpoints,
    hostile_world,
    raw_json,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(api):
    """A worker with a worklog, an ACTIVE and a DISPUTED segment, a PENDING remittance; a free task."""
    return hostile_world(api)


# --- Ids --------------------------------------------------------------------------------------------


def _id_values(real_id: int) -> list[tuple[str, str]]:
    """(name, raw JSON) ids that are not ids, many of them truncating to `real_id` under int()."""
    arabic = "".join(chr(0x0660 + int(d)) for d in str(real_id))
    fullwidth = "".join(chr(0xFF10 + int(d)) for d in str(real_id))
    return [
        ("fractional", f"{real_id}.9"),
        ("whole float", f"{real_id}.0"),
        ("exponent", f"{real_id}e0"),
        ("true", "true"),
        ("false", "false"),
        ("Arabic-Indic digits", json.dumps(arabic)),
        ("fullwidth digits", json.dumps(fullwidth)),
        ("padded", json.dumps(f" {real_id} ")),
        ("signed", json.dumps(f"+{real_id}")),
        ("underscored", json.dumps(f"{real_id}_0")),
        ("hex", json.dumps(hex(real_id))),
        ("zero", "0"),
        ("negative", f"-{real_id}"),
        ("2^63", str(2**63)),
        ("list", f"[{real_id}]"),
        ("object", json.dumps({"id": real_id})),
        ("null", "null"),
        ("empty", '""'),
    ]


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [("worklogs-create", "workerId"), ("worklogs-create", "taskId"), ("adjustments-create", "worklogId")],
)
def test_an_id_in_a_body_is_a_whole_number_in_ascii_digits(api, world, endpoint, field):
    method, path, body = endpoints(world)[endpoint]
    body = {field: body.pop(field), **body}  # the id first, for _raw
    before, failures = all_counts(), []
    values = _id_values(body[field])
    for name, literal in values:
        check_status(
            failures,
            name,
            getattr(api, method)(path, data=raw_json(body, literal), content_type="application/json"),
            400,
        )
    assert not failures, "\n".join(failures)
    assert all_counts() == before
    assert getattr(api, method)(path, data=json.dumps(body), content_type="application/json").status_code == 201


LIST_FILTERS = [
    ("/api/worklogs/", "workerId"),
    ("/api/worklogs/", "taskId"),
    (LIST_ALL, "workerId"),
    (LIST_ALL, "taskId"),
    ("/api/segments/", "worklogId"),
    ("/api/remittances/", "workerId"),
    ("/api/remittances/", "runId"),
]


def _query_ids(real_id: int) -> list[str]:
    arabic = "".join(chr(0x0660 + int(d)) for d in str(real_id))
    return [
        f"{real_id}.5",
        f"{real_id}.0",
        "true",
        arabic,
        f" {real_id}",
        f"+{real_id}",
        f"{real_id}e0",
        "0x1",
        "1_0",
        str(2**63),
    ]


@pytest.mark.parametrize(
    ("path", "param"), LIST_FILTERS + [(p, k) for p in LIST_PATHS for k in ("after", "before", "page", "pageSize")]
)
def test_an_id_or_number_in_a_query_is_a_whole_number_in_ascii_digits(api, world, path, param):
    failures = []
    values = _query_ids(world["worker_id"])
    for value in values:
        check_status(failures, repr(value), api.get(path, {param: value}), 400)
    assert not failures, "\n".join(failures)


def test_an_id_in_a_path_is_ascii_digits(api, world):
    worker = world["worker_id"]
    arabic = "".join(chr(0x0660 + int(d)) for d in str(worker))
    for path in (f"/api/workers/{arabic}/", f"/api/worklogs/{arabic}/", f"/api/workers/{2**64}/", "/api/workers/-1/"):
        response = api.get(path)
        assert response.status_code == 404, (path, response.content)
        assert "detail" in response.json()  # JSON, not Django's HTML page


# --- Money ------------------------------------------------------------------------------------------

MONEY_VALUES = [
    ("Arabic-Indic digits", json.dumps("\u0665\u0660\u0660")),
    ("Arabic-Indic with decimals", json.dumps("\u0661\u0660.\u0660\u0660")),
    ("fullwidth digits", json.dumps("\uff15\uff10\uff10")),
    ("Devanagari digits", json.dumps("\u096b\u0966")),
    ("exponent", json.dumps("1e2")),
    ("huge exponent", json.dumps("1e26")),
    ("underscores", json.dumps("1_000")),
    ("NaN string", json.dumps("NaN")),
    ("Infinity string", json.dumps("Infinity")),
    ("hex", json.dumps("0x10")),
    ("trailing dot", json.dumps("500.")),
    ("three decimals", json.dumps("10.001")),
    ("too many digits", json.dumps("99999999999999.99")),
    ("boolean", "true"),
    ("JSON overflow", "1e400"),
    ("object", '{"amount": "5.00"}'),
]


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [("worklogs-create", "hourlyRate"), ("worklogs-rate", "hourlyRate"), ("adjustments-create", "amount")],
)
def test_money_is_written_with_the_digits_0_to_9(api, world, endpoint, field):
    method, path, body = endpoints(world)[endpoint]
    body = {field: body.pop(field), **body}
    before, failures = all_counts(), []
    for name, literal in MONEY_VALUES:
        check_status(
            failures,
            name,
            getattr(api, method)(path, data=raw_json(body, literal), content_type="application/json"),
            400,
        )
    assert not failures, "\n".join(failures)
    assert all_counts() == before
