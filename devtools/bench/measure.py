"""Timings: the settlement (and its undo between runs), the list endpoint, a balance, ingestion."""

from __future__ import annotations

import json
import resource
import statistics
import threading
import time
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, connections
from django.http import StreamingHttpResponse
from django.test import Client

from devtools.bench.naive import naive_settle
from devtools.bench.undo import undo_run
from settlements.services.runs import settlement_generate, settlement_run_create
from worklogs.models import Segment
from worklogs.services import segment_record

# --- statistics and memory --------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": len(values),
    }


def latency_summary(latencies: list[float], wall: float) -> dict:
    return {
        "requests": len(latencies),
        "req_per_s": len(latencies) / wall if wall else 0.0,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": max(latencies) * 1000,
    }


def peak_rss_mb() -> float:
    """Peak resident memory of this process since start or since `reset_peak_rss`."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> None:
    """Linux: writing 5 to clear_refs resets the peak (VmHWM) to the current RSS."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


# --- the settlement -----------------------------------------------------------------------------


class Recorder(threading.Thread):
    """Records segments through the service while a run executes: how long does one wait?"""

    def __init__(self, worklogs, start: datetime):
        super().__init__(daemon=True)
        self.worklogs = worklogs
        self.start_at = start
        self.latencies: list[float] = []
        self.ids: list[int] = []
        self.error = ""
        self.stop = threading.Event()

    def run(self):
        try:
            i = 0
            while not self.stop.is_set():
                worklog = self.worklogs[i % len(self.worklogs)]
                started = self.start_at + timedelta(minutes=2 * i)
                t0 = time.perf_counter()
                segment, _ = segment_record(
                    worklog=worklog, started_at=started, ended_at=started + timedelta(seconds=60)
                )
                self.latencies.append(time.perf_counter() - t0)
                self.ids.append(segment.pk)
                i += 1
                time.sleep(0.02)
        except Exception as exc:  # reported with the figures, never a silent thread traceback
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()


def time_settlement(*, period_end, recorder_worklogs=None, recorder_start=None) -> dict:
    durations: list[float] = []
    recorder = None
    if recorder_worklogs:
        recorder = Recorder(recorder_worklogs, recorder_start)
        recorder.start()
    reset_peak_rss()
    start = time.perf_counter()
    # Every chunk is one transaction: its time is the longest any of its workers stays locked.
    run = settlement_generate(period_end=period_end, on_chunk=lambda _workers, seconds: durations.append(seconds))
    elapsed = time.perf_counter() - start
    rss = peak_rss_mb()
    result: dict[str, Any] = {"run_id": run.pk, "seconds": elapsed, "longest_chunk_s": max(durations, default=0.0)}
    if recorder:
        recorder.stop.set()
        recorder.join()
        result["concurrent_segments"] = len(recorder.ids)
        result["concurrent_segments_found"] = Segment.objects.filter(pk__in=recorder.ids).count()
        result["concurrent_max_wait_s"] = max(recorder.latencies, default=0.0)
        result["concurrent_error"] = recorder.error
        # Their work is due for this run: each earning is in it (recorded before its worker's chunk)
        # or left for the next run (recorded after), and never claimed twice.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(c.item_id), COUNT(DISTINCT c.item_id) FROM settlements_claim c "
                "JOIN worklogs_item i ON i.id = c.item_id JOIN settlements_remittance r ON r.id = c.remittance_id "
                "WHERE i.segment_id = ANY(%s) AND i.kind = 'EARNING' AND r.run_id = %s",
                [recorder.ids, run.pk],
            )
            claims, distinct = cursor.fetchone()
        result["concurrent_segments_in_run"] = distinct
        result["concurrent_segments_claimed_twice"] = claims - distinct
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(DISTINCT r.id), COUNT(c.id) FROM settlements_remittance r "
            "LEFT JOIN settlements_claim c ON c.remittance_id = r.id WHERE r.run_id = %s",
            [run.pk],
        )
        result["remittances"], result["items"] = cursor.fetchone()
    result["items_per_s"] = result["items"] / elapsed if elapsed else 0.0
    result["peak_rss_mb"] = rss
    return result


def time_naive(*, period_end, worker_ids: list[int]) -> dict:
    run = settlement_run_create(period_end=period_end)
    start = time.perf_counter()
    items = naive_settle(run=run, worker_ids=worker_ids)
    elapsed = time.perf_counter() - start
    undo_run(run.pk)
    return {"workers": len(worker_ids), "items": items, "seconds": elapsed, "items_per_s": items / elapsed}


# --- HTTP in-process (Django test client) -----------------------------------------------------


def bench_client() -> Client:
    """A test client whose requests name a host the settings allow (`make bench` allows 127.0.0.1 and
    localhost; the test settings allow the client's default `testserver` too)."""
    host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "testserver") and not h.startswith(".")), None)
    return Client(SERVER_NAME=host) if host else Client()


def _token_header(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {token}"}


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def last_page_query(client: Client, token: str, base: str, page_size: int = 100) -> str:
    """The path of the last page, found as a client would: from `count` when `next` carries page
    numbers, else by following `next` (keyset; 500 rows a hop) to the id before the last `page_size` rows."""
    body = json.loads(client.get(base, **_token_header(token)).content)
    if "count" in body and "after=" not in (body.get("next") or ""):
        pages = max(1, -(-body["count"] // page_size))
        return f"{base}&page={pages}"
    ids: list[int] = []
    url: str | None = base.replace(f"pageSize={page_size}", "pageSize=500")
    while url:
        body = json.loads(client.get(url, **_token_header(token)).content)
        ids = (ids + [row["id"] for row in body["results"]])[-(page_size + 1) :]
        url = _path(body["next"]) if body.get("next") else None
    if len(ids) <= page_size:
        return base
    return f"{base}&after={ids[0]}"


def time_requests(client: Client, token: str, url: str, repeat: int) -> dict:
    client.get(url, **_token_header(token))  # warm up
    queries = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = client.get(url, **_token_header(token))
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    latencies = []
    start = time.perf_counter()
    for _ in range(repeat):
        t0 = time.perf_counter()
        client.get(url, **_token_header(token))
        latencies.append(time.perf_counter() - t0)
    result = latency_summary(latencies, time.perf_counter() - start)
    result["queries"] = len(queries)
    result["rows"] = len(response.json().get("results", []))
    return result


def time_csv_export(client: Client, token: str, url: str) -> dict:
    """Stream the whole worklog CSV export; its peak memory must not grow with the rows."""
    reset_peak_rss()
    before = peak_rss_mb()
    start = time.perf_counter()
    response = client.get(url, **_token_header(token))
    assert isinstance(response, StreamingHttpResponse)  # the export streams
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    return {
        "status": response.status_code,
        "seconds": time.perf_counter() - start,
        "rows": max(0, lines - 1),  # the header line
        "megabytes": size / 1e6,
        "peak_rss_growth_mb": peak_rss_mb() - before,
    }
