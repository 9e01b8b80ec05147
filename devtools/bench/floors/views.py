"""The HTTP floors: a worklog list page and a segment POST answered by plain Django views with
hand-written SQL, behind the same gunicorn as the product (`floors.urls`, loaded only by the bench).

- `list_floor` answers exactly the bytes of `GET /list-all-worklogs?remittanceStatus=…&pageSize=…
  [&after=…]` (keyset page, capped count, links pointing at the real list): one query checks the
  token (its digest, expiry, active user, finance group), one reads the page and the capped count.
  The bench asserts the bytes are equal before it times either.
- `segment_floor` records a one-minute segment and its earning: the same token check, then one
  INSERT for the segment and one for its item, in one transaction. No locks, overlap check (the
  exclusion constraint still holds), running totals or ledger; the bench deletes its rows afterwards.
Both answer 401/403/400 briefly; they exist to be timed, not to be used.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from urllib.parse import parse_qs, urlencode

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

LIST_PATH = "/list-all-worklogs"
COUNT_CAP = 1000

AUTH_SQL = """
SELECT u.is_active, EXISTS (
    SELECT 1 FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id
    WHERE ug.user_id = u.id AND g.name = 'finance')
FROM knox_authtoken t JOIN auth_user u ON u.id = t.user_id
WHERE t.digest = %s AND (t.expiry IS NULL OR t.expiry > now())
"""

STATUS_SQL = {
    None: "TRUE",
    "REMITTED": "(w.item_count > 0 AND w.paid_item_count = w.item_count)",
    "UNREMITTED": "NOT (w.item_count > 0 AND w.paid_item_count = w.item_count)",
}

# The page (pageSize + 1 rows, to know whether there is a next one) and the list's capped count in
# one statement; amounts as PostgreSQL's text of NUMERIC(14, 2), which is the API's two-decimal string.
PAGE_SQL = """
SELECT w.id, w.worker_id, w.task_id, w.hourly_rate::text, w.currency, w.amount::text,
       w.remitted_amount::text, (w.amount - w.remitted_amount)::text,
       CASE WHEN w.item_count > 0 AND w.paid_item_count = w.item_count THEN 'REMITTED' ELSE 'UNREMITTED' END,
       w.external_id, w.created_at,
       (SELECT COUNT(*) FROM (SELECT 1 FROM worklogs_worklog w WHERE {status} LIMIT {cap}) c)
FROM worklogs_worklog w
WHERE {status} AND w.id > %s
ORDER BY w.id
LIMIT %s
"""

KEYS = (
    "id", "workerId", "taskId", "hourlyRate", "currency", "amount", "remittedAmount", "unremittedAmount",
    "remittanceStatus", "externalId", "createdAt",
)  # fmt: skip


def _json(body: dict, status: int = 200) -> HttpResponse:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(text.encode(), status=status, content_type="application/json")


def _finance_token(request: HttpRequest) -> HttpResponse | None:
    """None when the request carries a live token of an active finance user; else the 401/403 answer."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Token" or not key:
        return _json({"detail": "Authentication credentials were not provided."}, 401)
    with connection.cursor() as cursor:
        cursor.execute(AUTH_SQL, [hashlib.sha512(key.encode()).hexdigest()])
        row = cursor.fetchone()
    if row is None or not row[0]:
        return _json({"detail": "Invalid token."}, 401)
    if not row[1]:
        return _json({"detail": "You do not have permission to perform this action."}, 403)
    return None


def _link(request: HttpRequest, query: dict[str, list[str]], name: str, value: int) -> str:
    params = {k: v for k, v in query.items() if k not in ("after", "before")}
    params[name] = [str(value)]
    return request.build_absolute_uri(LIST_PATH + "?" + urlencode(sorted(params.items()), doseq=True))


def list_floor(request: HttpRequest) -> HttpResponse:
    """A keyset page of worklogs (first page or `?after=`), filtered by `remittanceStatus`."""
    refused = _finance_token(request)
    if refused is not None:
        return refused
    query = parse_qs(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
    status = query.get("remittanceStatus", [None])[0]
    if status not in STATUS_SQL:
        return _json({"remittanceStatus": ["Select a valid choice."]}, 400)
    size = min(int(query.get("pageSize", ["50"])[0]), 500)
    after = int(query["after"][0]) if "after" in query else None
    sql = PAGE_SQL.format(status=STATUS_SQL[status], cap=COUNT_CAP + 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, [after or 0, size + 1])
        rows = cursor.fetchall()
    count = rows[0][-1] if rows else None
    page = rows[:size]
    results = [dict(zip(KEYS, (*row[:10], row[10].isoformat().replace("+00:00", "Z")), strict=True)) for row in page]
    body: dict = {"count": count} if count is not None and count <= COUNT_CAP else {}
    body["next"] = _link(request, query, "after", page[-1][0]) if len(rows) > size else None
    body["previous"] = _link(request, query, "before", page[0][0]) if page and after is not None else None
    body["results"] = results
    return _json(body)


SEGMENT_SQL = """
INSERT INTO worklogs_segment (started_at, ended_at, seconds, work_date, hourly_rate, status, external_id,
    note, dispute_reason, status_reason, created_at, updated_at, worker_id, worklog_id)
SELECT %(start)s, %(end)s, %(seconds)s, %(day)s, w.hourly_rate, 'ACTIVE', NULL, '', '', '', now(), now(),
       w.worker_id, w.id
FROM worklogs_worklog w WHERE w.id = %(worklog)s
RETURNING id, worker_id, hourly_rate, created_at
"""

ITEM_SQL = """
INSERT INTO worklogs_item (kind, exact_units, amount, work_date, created_at, segment_id, worker_id, worklog_id)
VALUES ('EARNING', %(units)s, ROUND(%(units)s / 360000.0, 2), %(day)s, %(created)s, %(segment)s, %(worker)s,
        %(worklog)s)
"""


@csrf_exempt  # a token-authenticated API call, as DRF's views are
def segment_floor(request: HttpRequest, worklog_id: int) -> HttpResponse:
    """POST {startedAt, endedAt}: the segment and its earning, one INSERT each, one transaction."""
    refused = _finance_token(request)
    if refused is not None:
        return refused
    try:
        body = json.loads(request.body)
        start, end = (datetime.fromisoformat(body[k]) for k in ("startedAt", "endedAt"))
    except (ValueError, KeyError, TypeError):
        return _json({"detail": "startedAt and endedAt, ISO 8601."}, 400)
    seconds = int((end - start).total_seconds())
    day = start.date()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SEGMENT_SQL, {"start": start, "end": end, "seconds": seconds, "day": day, "worklog": worklog_id})
        row = cursor.fetchone()
        if row is None:
            return _json({"detail": "Not found."}, 404)
        segment_id, worker_id, rate, created = row
        units = seconds * int(rate * 100)
        cursor.execute(
            ITEM_SQL,
            {"units": units, "day": day, "created": created, "segment": segment_id, "worker": worker_id,
             "worklog": worklog_id},
        )  # fmt: skip
    return _json({"id": segment_id, "worklogId": worklog_id, "seconds": seconds}, 201)
