"""Black-box helpers: everything goes through the HTTP API of API.md and returns the JSON answer.

Each helper asserts the status code the contract promises for the happy path, so a test reads as
the scenario it proves. `exact_cents` is an independent reference for API.md's rounding rule (it
does not import the product's money module), used to check amounts after mixed sequences.
"""

import itertools
import json
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

_seq = itertools.count(1)

GENERATE = "/generate-remittances-for-all-users"
LIST_ALL = "/list-all-worklogs"


# --- Time -------------------------------------------------------------------------------------


def ts(day: str, hhmm: str = "09:00", seconds: int = 0) -> str:
    """ts("2024-10-05", "09:00") -> "2024-10-05T09:00:00Z" (UTC, the default time zone)."""
    return f"{day}T{hhmm}:{seconds:02d}Z"


def plus_minutes(iso: str, minutes: int) -> str:
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")) + timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Money ------------------------------------------------------------------------------------


def D(value) -> Decimal:
    return Decimal(str(value))


def round_half_up(x: Fraction) -> Decimal:
    """API.md: round(x) = floor(100x + 1/2) / 100."""
    cents = (100 * x + Fraction(1, 2)).__floor__()
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def segment_exact(minutes: int, rate: str) -> Fraction:
    return Fraction(minutes * 60) * Fraction(Decimal(rate)) / 3600


def exact_cents(exact_values: list[Fraction]) -> list[Decimal]:
    """The cents of each item, in creation order: round(total after) - round(total before)."""
    out, total = [], Fraction(0)
    for value in exact_values:
        out.append(round_half_up(total + value) - round_half_up(total))
        total += value
    return out


# --- Resources --------------------------------------------------------------------------------


def create_worker(api, *, currency: str | None = None, name: str | None = None) -> dict:
    n = next(_seq)
    body = {"name": name or f"Acceptance worker {n}", "email": f"acceptance{n}@example.com"}
    if currency:
        body["currency"] = currency
    response = api.post("/api/workers/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def create_task(api, *, title: str | None = None) -> dict:
    response = api.post("/api/tasks/", {"title": title or f"Acceptance task {next(_seq)}"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def create_worklog(api, *, worker_id: int, task_id: int, rate: str = "10.00") -> dict:
    response = api.post("/api/worklogs/", {"workerId": worker_id, "taskId": task_id, "hourlyRate": rate}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def new_worklog(api, *, rate: str = "10.00", currency: str | None = None, worker_id: int | None = None) -> dict:
    """A worklog on a fresh task (and a fresh worker unless one is given)."""
    if worker_id is None:
        worker_id = create_worker(api, currency=currency)["id"]
    task_id = create_task(api)["id"]
    return create_worklog(api, worker_id=worker_id, task_id=task_id, rate=rate)


def get_worklog(api, worklog_id: int) -> dict:
    response = api.get(f"/api/worklogs/{worklog_id}/")
    assert response.status_code == 200, response.content
    return response.json()


def amounts(api, worklog_id: int) -> tuple[str, str, str, str]:
    """(amount, remittedAmount, unremittedAmount, remittanceStatus) of a worklog, as the API answers them."""
    w = get_worklog(api, worklog_id)
    return w["amount"], w["remittedAmount"], w["unremittedAmount"], w["remittanceStatus"]


def set_rate(api, worklog_id: int, rate: str) -> dict:
    response = api.patch(f"/api/worklogs/{worklog_id}/", {"hourlyRate": rate}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


# --- Segments ---------------------------------------------------------------------------------


def post_segment(api, worklog_id: int, started_at: str, ended_at: str, **extra):
    body = {"startedAt": started_at, "endedAt": ended_at, **extra}
    return api.post(f"/api/worklogs/{worklog_id}/segments/", body, format="json")


def record(api, worklog_id: int, started_at: str, minutes: int = 60, **extra) -> dict:
    """Record a segment of `minutes` starting at `started_at`; 201 expected."""
    response = post_segment(api, worklog_id, started_at, plus_minutes(started_at, minutes), **extra)
    assert response.status_code == 201, response.content
    return response.json()


def get_segment(api, segment_id: int) -> dict:
    response = api.get(f"/api/segments/{segment_id}/")
    assert response.status_code == 200, response.content
    return response.json()


def segment_action(api, segment_id: int, action: str, body: dict | None = None):
    return api.post(f"/api/segments/{segment_id}/{action}/", body or {}, format="json")


def dispute(api, segment_id: int, reason: str = "client contests these hours") -> dict:
    response = segment_action(api, segment_id, "dispute", {"reason": reason})
    assert response.status_code == 200, response.content
    return response.json()


def resolve(api, segment_id: int, resolution: str, effective_date: str | None = None) -> dict:
    body = {"resolution": resolution}
    if effective_date:
        body["effectiveDate"] = effective_date
    response = segment_action(api, segment_id, "resolve", body)
    assert response.status_code == 200, response.content
    return response.json()


def remove(api, segment_id: int, reason: str = "logged by mistake", effective_date: str | None = None) -> dict:
    body = {"reason": reason}
    if effective_date:
        body["effectiveDate"] = effective_date
    response = segment_action(api, segment_id, "remove", body)
    assert response.status_code == 200, response.content
    return response.json()


def adjust(
    api, segment_id: int, started_at: str, minutes: int, reason: str = "corrected", effective_date: str | None = None
) -> dict:
    body = {"startedAt": started_at, "endedAt": plus_minutes(started_at, minutes), "reason": reason}
    if effective_date:
        body["effectiveDate"] = effective_date
    response = segment_action(api, segment_id, "adjust", body)
    assert response.status_code == 201, response.content
    return response.json()


# --- Adjustments ------------------------------------------------------------------------------


def post_adjustment(api, worklog_id: int, amount: str, reason: str = "retroactive correction", **extra):
    body = {"worklogId": worklog_id, "amount": amount, "reason": reason, **extra}
    return api.post("/api/adjustments/", body, format="json")


def adjustment(api, worklog_id: int, amount: str, effective_date: str | None = None) -> dict:
    extra = {"effectiveDate": effective_date} if effective_date else {}
    response = post_adjustment(api, worklog_id, amount, **extra)
    assert response.status_code == 201, response.content
    return response.json()


# --- Settlement -------------------------------------------------------------------------------


def generate(api, period_end: str | None = None) -> dict:
    body = {"periodEnd": period_end} if period_end else {}
    response = api.post(GENERATE, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def remittance_of(run: dict, worker_id: int) -> dict | None:
    """The remittance a run created for a worker, or None."""
    mine = [r for r in run["remittances"] if r["workerId"] == worker_id]
    assert len(mine) <= 1, run
    return mine[0] if mine else None


def get_remittance(api, remittance_id: int) -> dict:
    response = api.get(f"/api/remittances/{remittance_id}/")
    assert response.status_code == 200, response.content
    return response.json()


def remittances_of_worker(api, worker_id: int) -> list[dict]:
    response = api.get("/api/remittances/", {"workerId": worker_id, "pageSize": 500})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def remittance_action(api, remittance_id: int, action: str, body: dict | None = None):
    return api.post(f"/api/remittances/{remittance_id}/{action}/", body or {}, format="json")


def pay(api, remittance_id: int) -> dict:
    response = remittance_action(api, remittance_id, "mark-paid", {"providerReference": "bank-ref"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "PAID"
    return response.json()


def fail(api, remittance_id: int, reason: str = "bank rejected the transfer") -> dict:
    response = remittance_action(api, remittance_id, "mark-failed", {"reason": reason})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "FAILED"
    return response.json()


def cancel(api, remittance_id: int, reason: str = "withdrawn by finance") -> dict:
    response = remittance_action(api, remittance_id, "cancel", {"reason": reason})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "CANCELLED"
    return response.json()


def owed_run(api, minutes: tuple[int, ...] = (60,)) -> tuple[dict, dict]:
    """(run, worklog): a fresh worker's worklog at 10.00/h with one segment of each of `minutes`, one a day
    from 3 October 2024 at 09:00, and the run `api`'s user generates for October (period end 2024-10-31)."""
    worklog = new_worklog(api, rate="10.00")
    for day, m in enumerate(minutes, start=3):
        record(api, worklog["id"], ts(f"2024-10-{day:02d}"), m)
    return generate(api, "2024-10-31"), worklog


def settle(api, worker_id: int, period_end: str) -> dict | None:
    """Generate for `period_end` and pay this worker's remittance (if any); returns it."""
    remittance = remittance_of(generate(api, period_end), worker_id)
    if remittance is not None:
        remittance = pay(api, remittance["id"])
    return remittance


# --- Balances ---------------------------------------------------------------------------------


def balance(api, worker_id: int) -> dict:
    response = api.get(f"/api/workers/{worker_id}/balance/")
    assert response.status_code == 200, response.content
    return response.json()


def worklogs_of_worker(api, worker_id: int) -> list[dict]:
    response = api.get("/api/worklogs/", {"workerId": worker_id, "pageSize": 500})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def assert_conserved(api, worker_id: int) -> dict:
    """Money rule 8, checked through the API; returns the balance."""
    b = balance(api, worker_id)
    worklogs = worklogs_of_worker(api, worker_id)
    total = sum((D(w["amount"]) for w in worklogs), Decimal("0.00"))
    assert D(b["unremitted"]) + D(b["pending"]) + D(b["remitted"]) == total, (b, worklogs)
    for w in worklogs:
        assert D(w["unremittedAmount"]) == D(w["amount"]) - D(w["remittedAmount"]), w
    paid = [r for r in remittances_of_worker(api, worker_id) if r["status"] == "PAID"]
    assert D(b["remitted"]) == sum((D(r["amount"]) for r in paid), Decimal("0.00"))
    for r in paid:
        assert D(r["amount"]) == sum((D(w["amount"]) for w in r["worklogs"]), Decimal("0.00")), r
    pending = [r for r in remittances_of_worker(api, worker_id) if r["status"] in ("PENDING", "PROCESSING")]
    assert D(b["pending"]) == sum((D(r["amount"]) for r in pending), Decimal("0.00"))
    return b


# --- Schema -----------------------------------------------------------------------------------


def openapi_schema(api) -> dict:
    """The OpenAPI schema at /api/schema/, as JSON."""
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.content
    return json.loads(response.content)
