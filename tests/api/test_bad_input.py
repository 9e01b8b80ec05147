"""Bad input gets a clear 4xx, never a 500, and writes nothing (counts checked before and after)."""

import pytest

from api.models import IdempotencyKey
from ledger.models import JournalEntry, Posting
from settlements.models import Claim, Remittance, RemittanceEvent, SettlementRun
from tests.support.api_helpers import GENERATE, LIST_ALL, generate, get_worklog, new_worklog, record, remittance_of, ts
from worklogs.models import Adjustment, Item, Segment, Task, Worker, WorkLog

pytestmark = pytest.mark.django_db

MODELS = (
    Worker,
    Task,
    WorkLog,
    Segment,
    Item,
    Adjustment,
    SettlementRun,
    Remittance,
    Claim,
    RemittanceEvent,
    JournalEntry,
    Posting,
    IdempotencyKey,
)


def _counts():
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.fixture
def wl(api):
    worklog = new_worklog(api, rate="10.00")
    seg = record(api, worklog["id"], ts("2024-10-01"), 60)
    worklog["_segment"] = seg
    return worklog


def assert_rejected(response, status=400):
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert isinstance(body, dict) and body, body  # {"field": [...]} or {"detail": ...}


def _send(api, method, path, body):
    return getattr(api, method)(path, body, format="json", HTTP_IDEMPOTENCY_KEY="bad-input-key")


# --- Money strings -------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", ["abc", "1.234", "0", "-5", "10000.01", None, "NaN"])
def test_bad_hourly_rate_on_create_is_400_and_writes_nothing(api, wl, rate):
    task = api.post("/api/tasks/", {"title": "t"}, format="json").json()
    before = _counts()
    body = {"workerId": wl["workerId"], "taskId": task["id"], "hourlyRate": rate}
    assert_rejected(api.post("/api/worklogs/", body, format="json"))
    assert _counts() == before


@pytest.mark.parametrize("rate", ["abc", "1.234", "0", "-5", "10000.01"])
def test_bad_hourly_rate_on_patch_is_400_and_keeps_the_rate(api, wl, rate):
    before = _counts()
    assert_rejected(api.patch(f"/api/worklogs/{wl['id']}/", {"hourlyRate": rate}, format="json"))
    assert _counts() == before
    assert get_worklog(api, wl["id"])["hourlyRate"] == "10.00"


def test_rate_limits_are_accepted(api, wl):
    task = api.post("/api/tasks/", {"title": "t"}, format="json").json()
    body = {"workerId": wl["workerId"], "taskId": task["id"], "hourlyRate": "10000.00"}
    assert api.post("/api/worklogs/", body, format="json").status_code == 201
    assert api.patch(f"/api/worklogs/{wl['id']}/", {"hourlyRate": "0.01"}, format="json").status_code == 200


@pytest.mark.parametrize("amount", ["abc", "1.234", "0", "1000000.01", "-1000000.01", "99999999999999999", "Infinity"])
def test_bad_adjustment_amount_is_400_and_writes_nothing(api, wl, amount):
    before = _counts()
    body = {"worklogId": wl["id"], "amount": amount, "reason": "r"}
    assert_rejected(_send(api, "post", "/api/adjustments/", body))
    assert _counts() == before


# --- Dates and timestamps --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2024-13-01", "2024-02-30", "yesterday", "31/10/2024", 20241031])
def test_bad_period_end_is_400_and_writes_nothing(api, wl, value):
    before = _counts()
    assert_rejected(_send(api, "post", GENERATE, {"periodEnd": value}))
    assert _counts() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("startedAt", "not a time"), ("endedAt", "2024-10-32T10:00:00Z"), ("startedAt", None), ("endedAt", "")],
)
def test_bad_segment_timestamps_are_400_and_write_nothing(api, wl, field, value):
    body = {"startedAt": ts("2024-10-05"), "endedAt": ts("2024-10-05", "10:00"), field: value}
    before = _counts()
    assert_rejected(_send(api, "post", f"/api/worklogs/{wl['id']}/segments/", body))
    assert _counts() == before


def test_missing_segment_fields_are_400(api, wl):
    before = _counts()
    assert_rejected(api.post(f"/api/worklogs/{wl['id']}/segments/", {}, format="json"))
    assert _counts() == before


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("remove", {"reason": "r", "effectiveDate": "2024-02-31"}),
        ("resolve", {"resolution": "REMOVE", "effectiveDate": "soon"}),
        ("adjust", {"startedAt": "x", "endedAt": ts("2024-10-01", "09:30"), "reason": "r"}),
        ("adjust", {"startedAt": ts("2024-10-01"), "endedAt": ts("2024-10-02", "09:30"), "reason": "r"}),
    ],
)
def test_bad_dates_on_segment_corrections_are_400_and_write_nothing(api, wl, action, body):
    if action == "resolve":
        api.post(f"/api/segments/{wl['_segment']['id']}/dispute/", {"reason": "r"}, format="json")
    before = _counts()
    assert_rejected(api.post(f"/api/segments/{wl['_segment']['id']}/{action}/", body, format="json"))
    assert _counts() == before


def test_bad_adjustment_effective_date_is_400(api, wl):
    before = _counts()
    body = {"worklogId": wl["id"], "amount": "1.00", "reason": "r", "effectiveDate": "2024-11-31"}
    assert_rejected(api.post("/api/adjustments/", body, format="json"))
    assert _counts() == before


def test_unknown_resolution_is_400(api, wl):
    api.post(f"/api/segments/{wl['_segment']['id']}/dispute/", {"reason": "r"}, format="json")
    before = _counts()
    assert_rejected(api.post(f"/api/segments/{wl['_segment']['id']}/resolve/", {"resolution": "MAYBE"}, format="json"))
    assert _counts() == before


# --- Unknown ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/workers/987654/", None),
        ("get", "/api/workers/987654/balance/", None),
        ("get", "/api/worklogs/987654/", None),
        ("patch", "/api/worklogs/987654/", {"hourlyRate": "5.00"}),
        (
            "post",
            "/api/worklogs/987654/segments/",
            {"startedAt": ts("2024-10-05"), "endedAt": ts("2024-10-05", "10:00")},
        ),
        ("post", "/api/segments/987654/dispute/", {"reason": "r"}),
        ("post", "/api/segments/987654/resolve/", {"resolution": "ACCEPT"}),
        ("post", "/api/segments/987654/remove/", {"reason": "r"}),
        ("post", "/api/segments/987654/adjust/", {"startedAt": ts("2024-10-05"), "endedAt": ts("2024-10-05", "10:00")}),
        ("get", "/api/remittances/987654/", None),
        ("post", "/api/remittances/987654/mark-paid/", {}),
        ("post", "/api/remittances/987654/mark-failed/", {"reason": "r"}),
        ("post", "/api/remittances/987654/cancel/", {"reason": "r"}),
    ],
)
def test_unknown_path_id_is_404_and_writes_nothing(api, wl, method, path, body):
    before = _counts()
    response = getattr(api, method)(path, body, format="json") if body is not None else api.get(path)
    assert response.status_code == 404
    assert _counts() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/worklogs/", {"workerId": 987654, "taskId": "TASK", "hourlyRate": "5.00"}),
        ("/api/worklogs/", {"workerId": "WORKER", "taskId": 987654, "hourlyRate": "5.00"}),
        ("/api/worklogs/", {"workerId": "abc", "taskId": "TASK", "hourlyRate": "5.00"}),
        ("/api/adjustments/", {"worklogId": 987654, "amount": "5.00", "reason": "r"}),
        ("/api/adjustments/", {"worklogId": "one", "amount": "5.00", "reason": "r"}),
    ],
)
def test_unknown_body_id_is_400_and_writes_nothing(api, wl, path, body):
    task = api.post("/api/tasks/", {"title": "t"}, format="json").json()
    body = {k: (task["id"] if v == "TASK" else wl["workerId"] if v == "WORKER" else v) for k, v in body.items()}
    before = _counts()
    assert_rejected(api.post(path, body, format="json"))
    assert _counts() == before


# --- Workers, worklogs, lists -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "email": "a@example.com"},
        {"name": "A", "email": "not-an-email"},
        {"name": "A", "email": "a@example.com", "currency": "ZZZ"},
        {"name": "A", "email": "a@example.com", "currency": "DOLLARS"},
        {"email": "a@example.com"},
    ],
)
def test_bad_worker_is_400_and_writes_nothing(api, body):
    before = _counts()
    assert_rejected(api.post("/api/workers/", body, format="json"))
    assert _counts() == before


def test_second_worklog_for_the_same_worker_and_task_is_rejected(api, wl):
    before = _counts()
    response = api.post(
        "/api/worklogs/", {"workerId": wl["workerId"], "taskId": wl["taskId"], "hourlyRate": "5.00"}, format="json"
    )
    assert response.status_code in (400, 409)
    assert _counts() == before


@pytest.mark.parametrize(
    "params",
    [{"workerId": "abc"}, {"taskId": "x"}, {"remittanceStatus": "PAID"}, {"page": "999"}],
)
def test_bad_list_parameters_are_4xx_not_500(api, wl, params):
    response = api.get(LIST_ALL, params)
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        (GENERATE, "{not json"),
        ("/api/adjustments/", "[1, 2]"),
        ("/api/workers/", '"just a string"'),
    ],
)
def test_malformed_json_is_400_and_writes_nothing(api, wl, path, raw):
    before = _counts()
    response = api.post(path, raw, content_type="application/json")
    assert response.status_code == 400
    assert _counts() == before


def test_segment_body_that_is_a_list_is_400(api, wl):
    before = _counts()
    response = api.post(f"/api/worklogs/{wl['id']}/segments/", "[]", content_type="application/json")
    assert response.status_code == 400
    assert _counts() == before


def test_too_long_idempotency_key_is_400_and_writes_nothing(api, wl):
    before = _counts()
    body = {"worklogId": wl["id"], "amount": "1.00", "reason": "r"}
    response = api.post("/api/adjustments/", body, format="json", HTTP_IDEMPOTENCY_KEY="k" * 300)
    assert response.status_code == 400
    assert _counts() == before


def test_remittance_conflict_writes_nothing(api, wl):
    rem = remittance_of(generate(api, "2024-10-31"), wl["workerId"])
    api.post(f"/api/remittances/{rem['id']}/mark-paid/", {}, format="json")
    before = _counts()
    assert_rejected(api.post(f"/api/remittances/{rem['id']}/cancel/", {"reason": "x" * 5000}, format="json"), 409)
    assert _counts() == before


# --- Found by probing: lenient parsing and overflow ---------------------------------------------------


@pytest.mark.parametrize("path", [LIST_ALL, "/api/worklogs/", "/api/remittances/"])
def test_out_of_range_id_filter_is_4xx_not_500(api, wl, path):
    response = api.get(path, {"workerId": "99999999999999999999999"})
    assert 400 <= response.status_code < 500 or (response.status_code == 200 and response.json()["results"] == [])


@pytest.mark.parametrize("amount", ["1_000", "1_000.00"])
def test_amount_with_underscores_is_400(api, wl, amount):
    # API.md money is a decimal string like "150.00"; Python's Decimal also reads "1_000", JSON clients do not.
    before = _counts()
    assert_rejected(
        api.post("/api/adjustments/", {"worklogId": wl["id"], "amount": amount, "reason": "r"}, format="json")
    )
    assert _counts() == before


def test_timestamp_without_offset_is_400(api, wl):
    # API.md: "Timestamps ISO-8601 with offset". A local time without an offset is ambiguous (it decides the
    # work date, hence the period that pays it); the service itself says "Timestamps need a UTC offset".
    before = _counts()
    body = {"startedAt": "2024-10-07T09:00:00", "endedAt": "2024-10-07T10:00:00"}
    assert_rejected(api.post(f"/api/worklogs/{wl['id']}/segments/", body, format="json"))
    assert _counts() == before
