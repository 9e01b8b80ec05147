"""Bad input is a 4xx and writes nothing, on every endpoint (issue 12, section 2).

Each class of hostile input is a table, sent through the HTTP API to every endpoint it can reach;
each case asserts the status and that no row of any table was written. A test runs its whole
table against one endpoint and reports every case that went wrong, not only the first.
"""

import json

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import models as db_models
from django.urls import reverse
from knox.models import AuthToken

from settlements.payouts.signatures import sign
from tests.support.api_helpers import GENERATE, LIST_ALL, generate, new_worklog, record, remittance_of, ts
from tests.support.factories import FinanceUserFactory
from worklogs.models import Worker

pytestmark = pytest.mark.django_db

WEBHOOK_SECRET = "hostile-input-secret"


def all_counts() -> dict[str, int]:
    """Rows of every table of the project (and tokens): nothing may change on a refused request."""
    counted = [m for m in apps.get_models() if m._meta.app_label in {"ledger", "worklogs", "settlements"}]
    return {m.__name__: m.objects.count() for m in (*counted, AuthToken)}


@pytest.fixture
def world(api):
    """A worker with a worklog, an ACTIVE and a DISPUTED segment, a PENDING remittance; a free task."""
    worklog = new_worklog(api, rate="10.00")
    active = record(api, worklog["id"], ts("2024-10-01"), 60)
    disputed = record(api, worklog["id"], ts("2024-10-02"), 60)
    assert api.post(f"/api/segments/{disputed['id']}/dispute/", {"reason": "r"}, format="json").status_code == 200
    run = generate(api, "2024-10-31")
    free_task = api.post("/api/tasks/", {"title": "free task"}, format="json").json()
    login = FinanceUserFactory(username="hostile-login")
    return {
        "worklog": worklog,
        "worker_id": worklog["workerId"],
        "active": active,
        "disputed": disputed,
        "remittance": remittance_of(run, worklog["workerId"]),
        "run": run,
        "free_task": free_task,
        "login": login,
    }


def _endpoints(w) -> dict[str, tuple[str, str, dict]]:
    """name -> (method, path, a valid body): every endpoint that reads a JSON body."""
    worklog_id, worker_id = w["worklog"]["id"], w["worker_id"]
    return {
        "auth-token": ("post", "/api/auth/token/", {"username": "hostile-login", "password": "pass-1234"}),
        "workers-create": ("post", "/api/workers/", {"name": "New", "email": "new@example.com"}),
        "tasks-create": ("post", "/api/tasks/", {"title": "New task"}),
        "worklogs-create": (
            "post",
            "/api/worklogs/",
            {"workerId": worker_id, "taskId": w["free_task"]["id"], "hourlyRate": "12.00"},
        ),
        "worklogs-rate": ("patch", f"/api/worklogs/{worklog_id}/", {"hourlyRate": "12.00"}),
        "segments-create": (
            "post",
            f"/api/worklogs/{worklog_id}/segments/",
            {"startedAt": ts("2024-10-05"), "endedAt": ts("2024-10-05", "10:00")},
        ),
        "segments-dispute": ("post", f"/api/segments/{w['active']['id']}/dispute/", {"reason": "why"}),
        "segments-resolve": ("post", f"/api/segments/{w['disputed']['id']}/resolve/", {"resolution": "REMOVE"}),
        "segments-remove": ("post", f"/api/segments/{w['active']['id']}/remove/", {"reason": "why"}),
        "segments-adjust": (
            "post",
            f"/api/segments/{w['active']['id']}/adjust/",
            {"startedAt": ts("2024-10-01"), "endedAt": ts("2024-10-01", "09:30"), "reason": "why"},
        ),
        "adjustments-create": ("post", "/api/adjustments/", {"worklogId": worklog_id, "amount": "5.00", "reason": "r"}),
        "generate": ("post", GENERATE, {"periodEnd": "2024-11-30"}),
        "remittances-mark-paid": (
            "post",
            f"/api/remittances/{w['remittance']['id']}/mark-paid/",
            {"providerReference": "x"},
        ),
        "remittances-mark-failed": ("post", f"/api/remittances/{w['remittance']['id']}/mark-failed/", {"reason": "r"}),
        "remittances-cancel": ("post", f"/api/remittances/{w['remittance']['id']}/cancel/", {"reason": "r"}),
    }


ENDPOINT_NAMES = [
    "auth-token",
    "workers-create",
    "tasks-create",
    "worklogs-create",
    "worklogs-rate",
    "segments-create",
    "segments-dispute",
    "segments-resolve",
    "segments-remove",
    "segments-adjust",
    "adjustments-create",
    "generate",
    "remittances-mark-paid",
    "remittances-mark-failed",
    "remittances-cancel",
]


def _raw(body: dict, literal: str) -> str:
    """The body as JSON text with its first field's value replaced by `literal` (raw JSON text)."""
    first, *rest = body.items()
    parts = [f"{json.dumps(first[0])}: {literal}"] + [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in rest]
    return "{" + ", ".join(parts) + "}"


# --- JSON itself --------------------------------------------------------------------------------

# (name, raw JSON value for a field): refused by the parser wherever it appears.
JSON_VALUES = [
    ("NaN", "NaN"),
    ("Infinity", "Infinity"),
    ("-Infinity", "-Infinity"),
    ("overflow", "1e400"),
    ("negative overflow", "-1e400"),
    ("lone high surrogate", '"\\ud800"'),
    ("lone low surrogate", '"a\\udfffb"'),
    ("NUL", '"a\\u0000b"'),
    ("surrogate in a nested key", '{"\\ud800": 1}'),
    ("4,301-digit integer", "9" * 4301),
    ("nested 33 deep", "[" * 33 + "]" * 33),
    ("nested 100,000 deep", "[" * 100_000 + "]" * 100_000),
]
# (name, raw body bytes) that are not JSON at all.
RAW_BODIES = [
    ("truncated", b'{"a": '),
    ("latin-1 bytes", b'{"title": "caf\xe9"}'),
    ("UTF-8 BOM", b'\xef\xbb\xbf{"title": "x"}'),
    ("trailing garbage", b'{"title": "x"} x'),
]
CHARSETS = ["rot13", "latin-1", "utf-16", "bz2_codec", "no-such-charset"]


def _check(failures: list, name: str, response, expected: int) -> None:
    if response.status_code != expected:
        failures.append(f"{name}: {response.status_code} {getattr(response, 'content', b'')[:150]!r}")
    # Each hostile body stands for another client's attempt: the token endpoint's per-address budget
    # (20 a minute, tests/api/test_throttling.py) must not answer these tables instead of the parser.
    cache.clear()


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_json_that_python_reads_but_json_does_not_allow_is_400_everywhere(api, world, endpoint, settings):
    method, path, body = _endpoints(world)[endpoint]
    api.raise_request_exception = False
    before, failures = all_counts(), []
    for name, literal in JSON_VALUES:
        response = getattr(api, method)(path, data=_raw(body, literal), content_type="application/json")
        _check(failures, name, response, 400)
    for name, raw in RAW_BODIES:
        response = getattr(api, method)(path, data=raw, content_type="application/json")
        _check(failures, name, response, 400)
    for charset in CHARSETS:
        response = getattr(api, method)(
            path, data=json.dumps(body), content_type=f"application/json; charset={charset}"
        )
        _check(failures, f"charset={charset}", response, 415)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = getattr(api, method)(path, data=_raw(body, json.dumps("x" * 2000)), content_type="application/json")
    _check(failures, "body over the size limit", response, 413)
    assert not failures, "\n".join(failures)
    assert all_counts() == before


def test_a_well_formed_body_still_works_on_every_endpoint(api, world):
    """The other side of the table above: the same endpoints accept their valid body (UTF-8 named or not)."""
    for name, (method, path, body) in _endpoints(world).items():
        content_type = "application/json; charset=UTF-8" if name.endswith("create") else "application/json"
        response = getattr(api, method)(path, data=json.dumps(body), content_type=content_type)
        # 2xx, or 409 where an earlier call of this loop moved the same segment or remittance on.
        assert response.status_code in (200, 201, 409), (name, response.status_code, response.content)


@pytest.fixture
def signed(settings):
    settings.PAYOUT_WEBHOOK_SECRETS = [WEBHOOK_SECRET]

    def deliver(client, raw: bytes):
        header = sign(raw_body=raw, secret=WEBHOOK_SECRET)
        return client.post(
            "/api/payout-events/", data=raw, content_type="application/json", HTTP_X_PAYOUT_SIGNATURE=header
        )

    return deliver


def test_the_webhook_refuses_the_same_json_with_a_valid_signature(anon_client, world, signed):
    body = {"id": "evt-hostile", "type": "payout.paid", "remittanceId": world["remittance"]["id"]}
    before, failures = all_counts(), []
    for name, literal in JSON_VALUES:
        _check(failures, name, signed(anon_client, _raw(body, literal).encode()), 400)
    for name, literal in [("fractional id", "1.5"), ("boolean id", "true"), ("Arabic-Indic id", '"\\u0661"')]:
        raw = json.dumps({"remittanceId": 0, "id": "evt-x", "type": "payout.paid"}).replace("0", literal, 1)
        _check(failures, name, signed(anon_client, raw.encode()), 400)
    for name, raw in RAW_BODIES:
        _check(failures, name, signed(anon_client, raw), 400)
    assert not failures, "\n".join(failures)
    assert all_counts() == before


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
    method, path, body = _endpoints(world)[endpoint]
    body = {field: body.pop(field), **body}  # the id first, for _raw
    before, failures = all_counts(), []
    values = _id_values(body[field])
    for name, literal in values:
        _check(
            failures, name, getattr(api, method)(path, data=_raw(body, literal), content_type="application/json"), 400
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
LIST_PATHS = [
    "/api/workers/",
    "/api/tasks/",
    "/api/worklogs/",
    LIST_ALL,
    "/api/segments/",
    "/api/adjustments/",
    "/api/remittances/",
    "/api/settlement-runs/",
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
        _check(failures, repr(value), api.get(path, {param: value}), 400)
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
    method, path, body = _endpoints(world)[endpoint]
    body = {field: body.pop(field), **body}
    before, failures = all_counts(), []
    for name, literal in MONEY_VALUES:
        _check(
            failures, name, getattr(api, method)(path, data=_raw(body, literal), content_type="application/json"), 400
        )
    assert not failures, "\n".join(failures)
    assert all_counts() == before


# --- Filters and query parameters: empty or repeated ------------------------------------------------

QUERY_PARAMS = [
    ("/api/workers/", "externalId", "w-1"),
    ("/api/worklogs/", "remittanceStatus", "REMITTED"),
    ("/api/worklogs/", "workerId", "1"),
    ("/api/worklogs/", "taskId", "1"),
    ("/api/worklogs/", "externalId", "x"),
    (LIST_ALL, "remittanceStatus", "UNREMITTED"),
    (LIST_ALL, "workerId", "1"),
    (LIST_ALL, "taskId", "1"),
    (LIST_ALL, "externalId", "x"),
    ("/api/segments/", "status", "ACTIVE"),
    ("/api/segments/", "worklogId", "1"),
    ("/api/remittances/", "workerId", "1"),
    ("/api/remittances/", "status", "PAID"),
    ("/api/remittances/", "periodEnd", "2024-10-31"),
    ("/api/remittances/", "runId", "1"),
    *[
        (path, param, value)
        for path in LIST_PATHS
        for param, value in (("page", "1"), ("pageSize", "5"), ("after", "1"), ("before", "9"))
    ],
]


@pytest.mark.parametrize(("path", "param", "value"), QUERY_PARAMS)
def test_a_query_parameter_given_empty_or_twice_is_400(api, world, path, param, value):
    assert api.get(path, {param: value}).status_code == 200
    empty = api.get(f"{path}?{param}=")
    twice = api.get(f"{path}?{param}={value}&{param}={value}")
    assert (empty.status_code, twice.status_code) == (400, 400), (empty.content, twice.content)
    assert param in empty.json() and param in twice.json()


def test_endpoint_specific_query_parameters_given_twice_or_wrong_are_400(api, world):
    run, worker = world["run"]["id"], world["worker_id"]
    cases = [
        (f"/api/settlement-runs/{run}/remittances.csv?status=", "status"),
        (f"/api/settlement-runs/{run}/remittances.csv?status=PAID&status=PENDING", "status"),
        (f"/api/workers/{worker}/statement/?from=2024-10-01&from=2024-10-02", "from"),
        (f"/api/workers/{worker}/statement/?to=2024-10-01&to=2024-10-31", "to"),
    ]
    for url, param in cases:
        response = api.get(url)
        assert response.status_code == 400, (url, response.content)
        assert param in response.json()
    before = all_counts()
    for query in ("dryRun=", "dryRun=maybe", "dryRun=true&dryRun=false", "dryRun=tru"):
        response = api.post(f"/api/imports/?{query}", data="[]", content_type="application/json")
        assert response.status_code == 400, (query, response.content)
    assert all_counts() == before


# --- Dates --------------------------------------------------------------------------------------------

DATE_VALUES = [
    "9999-12-31",
    "0001-01-01",
    "1899-12-31",
    "3000-01-01",
    "2024-02-30",
    "\uff12\uff10\uff12\uff14-10-31",
    "\u0662\u0660\u0662\u0664-10-31",
]


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [
        ("generate", "periodEnd"),
        ("adjustments-create", "effectiveDate"),
        ("segments-remove", "effectiveDate"),
        ("segments-resolve", "effectiveDate"),
        ("segments-adjust", "effectiveDate"),
    ],
)
def test_every_date_in_a_body_is_in_range_and_ascii(api, world, endpoint, field):
    method, path, body = _endpoints(world)[endpoint]
    before, failures = all_counts(), []
    for value in DATE_VALUES:
        _check(failures, value, getattr(api, method)(path, {**body, field: value}, format="json"), 400)
    assert not failures, "\n".join(failures)
    assert all_counts() == before
    response = getattr(api, method)(path, {**body, field: "2999-12-31"}, format="json")  # the bound is a date
    assert response.status_code in (200, 201), response.content


@pytest.mark.parametrize(
    ("path", "param"), [("statement", "from"), ("statement", "to"), ("/api/remittances/", "periodEnd")]
)
def test_every_date_in_a_query_is_in_range_and_ascii(api, world, path, param):
    url = f"/api/workers/{world['worker_id']}/statement/" if path == "statement" else path
    failures = []
    for value in DATE_VALUES:
        _check(failures, value, api.get(url, {param: value}), 400)
    assert not failures, "\n".join(failures)
    for value in ("1900-01-01", "2999-12-31"):
        assert api.get(url, {param: value}).status_code == 200


TIMESTAMP_VALUES = [
    "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-05:00",  # after year 9999 in UTC
    "1899-12-31T23:00:00Z",
    "\uff12\uff10\uff12\uff14-10-05T09:00:00Z",
    "2024-10-05T09:00:00+99:00",
]


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [("segments-create", "startedAt"), ("segments-create", "endedAt"), ("segments-adjust", "startedAt")],
)
def test_every_timestamp_is_in_range_and_ascii(api, world, endpoint, field):
    method, path, body = _endpoints(world)[endpoint]
    before, failures = all_counts(), []
    for value in TIMESTAMP_VALUES:
        _check(failures, value, getattr(api, method)(path, {**body, field: value}, format="json"), 400)
    assert not failures, "\n".join(failures)
    assert all_counts() == before


# --- Lengths: a derived column fits what its source accepts ------------------------------------------


def assert_every_text_fits_its_column() -> None:
    """SQLite does not enforce max_length; PostgreSQL does (a 500). Check every stored value, both."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, db_models.CharField) and field.max_length:
                for value in model.objects.values_list(field.attname, flat=True):
                    assert value is None or len(value) <= field.max_length, (model.__name__, field.name, len(value))


@pytest.mark.parametrize("length", [180, 190, 199, 200])
def test_a_worker_name_of_any_allowed_length_fits_every_column_derived_from_it(api, length):
    name = "N" * (length - 1) + "é"
    response = api.post("/api/workers/", {"name": name, "email": "long@example.com"}, format="json")
    assert response.status_code == 201, response.content
    worklog = new_worklog(api, worker_id=response.json()["id"])
    record(api, worklog["id"], ts("2024-10-01"), 60)
    assert remittance_of(generate(api, "2024-10-31"), worklog["workerId"])["amount"] == "10.00"
    assert_every_text_fits_its_column()
    assert Worker.objects.get(pk=worklog["workerId"]).name == name


def test_a_worker_name_longer_than_allowed_is_400(api):
    before = all_counts()
    response = api.post("/api/workers/", {"name": "N" * 201, "email": "long@example.com"}, format="json")
    assert response.status_code == 400
    assert all_counts() == before


# --- Imports: a hostile record is a line in the report, never a 500 -----------------------------------


def _good(n: int) -> dict:
    return {
        "worklog_id": f"WL-{n}",
        "user_id": f"U-{n}",
        "user_name": f"User {n}",
        "task_name": f"Task {n}",
        "hourly_rate": "10.00",
        "segments": [
            {"segment_id": f"S-{n}", "start": ts("2024-10-01"), "end": ts("2024-10-01", "10:00"), "status": "approved"}
        ],
        "adjustments": [{"adjustment_id": f"A-{n}", "amount": "-1.00", "reason": "r"}],
    }


SURROGATE = "\ud800"
# (name, kind skipped, path to the field, raw JSON of the value)
IMPORT_CASES = [
    ("rate 1e26", "worklog", ("hourly_rate",), '"1e26"'),
    ("rate 1e400 (number)", "worklog", ("hourly_rate",), "1e400"),
    ("rate 1e-400", "worklog", ("hourly_rate",), "1e-400"),
    ("rate 10^30", "worklog", ("hourly_rate",), str(10**30)),
    ("rate Arabic-Indic", "worklog", ("hourly_rate",), json.dumps("\u0661\u0660")),
    ("rate NaN string", "worklog", ("hourly_rate",), '"NaN"'),
    ("worklog_id surrogate", "worklog", ("worklog_id",), json.dumps(SURROGATE)),
    ("user_id surrogate", "worklog", ("user_id",), json.dumps("U" + SURROGATE)),
    ("user_name surrogate", "worklog", ("user_name",), json.dumps("Ada " + SURROGATE)),
    ("user_name NUL", "worklog", ("user_name",), json.dumps("Ada\u0000")),
    ("task_name surrogate", "worklog", ("task_name",), json.dumps(SURROGATE + "task")),
    ("task_name NUL", "worklog", ("task_name",), json.dumps("t\u0000")),
    ("currency surrogate", "worklog", ("currency",), json.dumps("U" + SURROGATE + "D")),
    ("segment_id surrogate", "segment", ("segments", 0, "segment_id"), json.dumps(SURROGATE)),
    ("segment status surrogate", "segment", ("segments", 0, "status"), json.dumps(SURROGATE)),
    ("segment start surrogate", "segment", ("segments", 0, "start"), json.dumps("2024" + SURROGATE)),
    ("segment start before year 1 in UTC", "segment", ("segments", 0, "start"), '"0001-01-01T00:00:00+05:00"'),
    ("dispute_reason surrogate", "segment", ("segments", 0, "dispute_reason"), json.dumps(SURROGATE)),
    ("adjustment_id surrogate", "adjustment", ("adjustments", 0, "adjustment_id"), json.dumps(SURROGATE)),
    ("adjustment reason surrogate", "adjustment", ("adjustments", 0, "reason"), json.dumps("why " + SURROGATE)),
    ("adjustment reason NUL", "adjustment", ("adjustments", 0, "reason"), json.dumps("why\u0000")),
    ("adjustment amount 1e26", "adjustment", ("adjustments", 0, "amount"), '"1e26"'),
    ("adjustment amount 1e400", "adjustment", ("adjustments", 0, "amount"), "1e400"),
    ("applied_at surrogate", "adjustment", ("adjustments", 0, "applied_at"), json.dumps(SURROGATE)),
    ("applied_at 0001-01-01", "adjustment", ("adjustments", 0, "applied_at"), '"0001-01-01"'),
    ("applied_at 9999-12-31", "adjustment", ("adjustments", 0, "applied_at"), '"9999-12-31T23:00:00-05:00"'),
]


def _import_body(case) -> str:
    _, _, path, literal = case
    hostile = _good(2)
    if path == ("segments", 0, "dispute_reason"):
        hostile["segments"][0]["status"] = "disputed"
    target = hostile
    for key in path[:-1]:
        target = target[key]
    marker = "__HOSTILE__"
    target[path[-1]] = marker
    return "[" + json.dumps(_good(1)) + ", " + json.dumps(hostile).replace(json.dumps(marker), literal) + "]"


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
@pytest.mark.parametrize("case", IMPORT_CASES, ids=[c[0] for c in IMPORT_CASES])
def test_a_hostile_record_is_skipped_with_a_reason_and_the_rest_is_imported(api, case, dry_run):
    _, kind, _, _ = case
    before = all_counts()
    url = "/api/imports/?dryRun=true" if dry_run else "/api/imports/"
    response = api.post(url, data=_import_body(case), content_type="application/json")

    assert response.status_code == 200, response.content
    report = response.json()
    skipped = [s for s in report["skipped"] if s["kind"] == kind]
    assert skipped and all(s["reason"] for s in skipped), report
    assert report["created"]["worklog"] == (1 if kind == "worklog" else 2), report
    assert report["created"][kind] == 1, report
    if dry_run:
        assert all_counts() == before
    else:
        assert Worker.objects.filter(external_id="U-1").exists()
        assert_every_text_fits_its_column()


def test_an_import_body_that_is_not_strict_json_is_400_and_writes_nothing(api, settings, monkeypatch):
    before = all_counts()
    bodies = [
        "[" + json.dumps(_good(1))[:-1] + ', "hourly_rate": NaN}]',
        "[" + json.dumps(_good(1))[:-1] + ', "x": Infinity}]',
        "[" * 100_000 + "]" * 100_000,
        "[" * 33 + "]" * 33,
        "[" + json.dumps(_good(1)) + "] x",
    ]
    for body in bodies:
        response = api.post("/api/imports/?dryRun=false", data=body, content_type="application/json")
        assert response.status_code == 400, (body[:60], response.content)
    response = api.post("/api/imports/", data="[]", content_type="application/json; charset=rot13")
    assert response.status_code == 415
    monkeypatch.setattr("worklogs.api.imports.IMPORT_MAX_BYTES", 100)
    response = api.post("/api/imports/", data=json.dumps([_good(1)]), content_type="application/json")
    assert response.status_code == 413
    assert all_counts() == before


def test_the_admin_statement_refuses_a_bound_out_of_range_instead_of_overflowing(client, world):
    client.force_login(FinanceUserFactory(username="admin-hostile", is_superuser=True))
    url = reverse("admin:worklogs_worker_statement", args=[world["worker_id"]])
    for query in ({"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}):
        response = client.get(url, query)
        assert response.status_code == 200, query
        assert response.context["form"].errors, query
