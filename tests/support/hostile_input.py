"""Bad input is a 4xx and writes nothing, on every endpoint (issue 12, section 2): what the
tests/api/test_hostile_input_*.py modules share.

Each class of hostile input is a table, sent through the HTTP API to every endpoint it can reach;
each case asserts the status and that no row of any table was written. A test runs its whole
table against one endpoint and reports every case that went wrong, not only the first.
"""

import json

from django.apps import apps
from django.core.cache import cache
from django.db import models as db_models
from knox.models import AuthToken

from tests.support.api_helpers import GENERATE, LIST_ALL, generate, new_worklog, record, remittance_of, ts
from tests.support.factories import FinanceUserFactory


def all_counts() -> dict[str, int]:
    """Rows of every table of the project (the audit trail and the stored idempotent answers included)
    and of the tokens: nothing may change on a refused request."""
    counted = [
        m for m in apps.get_models() if m._meta.app_label in {"ledger", "worklogs", "settlements", "audit", "api"}
    ]
    return {m.__name__: m.objects.count() for m in (*counted, AuthToken)}


def hostile_world(api) -> dict:
    """A worker with a worklog, an ACTIVE and a DISPUTED segment, a PENDING remittance; another worker
    with a PAID remittance; the run awaiting its approval; a free task."""
    worklog = new_worklog(api, rate="10.00")
    active = record(api, worklog["id"], ts("2024-10-01"), 60)
    disputed = record(api, worklog["id"], ts("2024-10-02"), 60)
    assert api.post(f"/api/segments/{disputed['id']}/dispute/", {"reason": "r"}, format="json").status_code == 200
    paid_worklog = new_worklog(api, rate="20.00")
    record(api, paid_worklog["id"], ts("2024-10-03"), 60)
    run = generate(api, "2024-10-31")
    paid = remittance_of(run, paid_worklog["workerId"])
    assert api.post(f"/api/remittances/{paid['id']}/mark-paid/", {}, format="json").status_code == 200
    free_task = api.post("/api/tasks/", {"title": "free task"}, format="json").json()
    login = FinanceUserFactory(username="hostile-login")
    return {
        "worklog": worklog,
        "worker_id": worklog["workerId"],
        "active": active,
        "disputed": disputed,
        "remittance": remittance_of(run, worklog["workerId"]),
        "paid_remittance": paid,
        "run": run,
        "free_task": free_task,
        "login": login,
    }


def endpoints(w) -> dict[str, tuple[str, str, dict]]:
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
        "segments-batch": (
            "post",
            "/api/segments/batch/",
            {
                "segments": [
                    {"worklogId": worklog_id, "startedAt": ts("2024-10-06"), "endedAt": ts("2024-10-06", "10:00")}
                ]
            },
        ),
        "payout-destination": (
            "put",
            f"/api/workers/{worker_id}/payout-destination/",
            {"accountHolder": "Hostile Tester", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"},
        ),
        "remittances-mark-returned": (
            "post",
            f"/api/remittances/{w['paid_remittance']['id']}/mark-returned/",
            {"reason": "the bank sent it back"},
        ),
        "runs-reject": ("post", f"/api/settlement-runs/{w['run']['id']}/reject/", {"reason": "wrong period"}),
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
    "segments-batch",
    "payout-destination",
    "remittances-mark-returned",
    "runs-reject",
]

# Every list endpoint: each takes the paging parameters (page, pageSize, after, before).
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


def raw_json(body: dict, literal: str) -> str:
    """The body as JSON text with its first field's value replaced by `literal` (raw JSON text)."""
    first, *rest = body.items()
    parts = [f"{json.dumps(first[0])}: {literal}"] + [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in rest]
    return "{" + ", ".join(parts) + "}"


def check_status(failures: list, name: str, response, expected: int) -> None:
    """Adds a line to `failures` unless `response` answered `expected`."""
    if response.status_code != expected:
        failures.append(f"{name}: {response.status_code} {getattr(response, 'content', b'')[:150]!r}")
    # Each hostile body stands for another client's attempt: the token endpoint's per-address budget
    # (20 a minute, tests/api/test_throttling.py) must not answer these tables instead of the parser.
    cache.clear()


def assert_every_text_fits_its_column() -> None:
    """SQLite does not enforce max_length; PostgreSQL does (a 500). Check every stored value, both."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, db_models.CharField) and field.max_length:
                for value in model.objects.values_list(field.attname, flat=True):
                    assert value is None or len(value) <= field.max_length, (model.__name__, field.name, len(value))
