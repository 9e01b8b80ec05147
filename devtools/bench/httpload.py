"""Real HTTP: gunicorn started on a free port, and a Python load generator (`wrk.py` is the lighter one)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection

from devtools.bench.measure import latency_summary


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextmanager
def gunicorn(workers: int = 2, threads: int = 4):
    port = _free_port()
    env = dict(
        os.environ,
        DATABASE_URL=_database_url(),
        # The product's settings with the floors' URLs added (devtools/bench/floors): loaded only here.
        DJANGO_SETTINGS_MODULE="devtools.bench.floors.settings",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DJANGO_DEBUG="0",
        # The bench measures the app's ceiling, not its request budgets: the throttle still counts
        # every request (its cost is in the figures) but one user's budget is never reached.
        DJANGO_THROTTLE_RATES="user=10000000/min,integration=10000000/min",
        DJANGO_CONN_MAX_AGE="600",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_LOG_LEVEL="WARNING",
    )
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads), "--log-level", "warning",
    ]  # fmt: skip
    # Its access log (one JSON line a request, gunicorn.conf.py) is still written, as in production,
    # but not into the bench's report; errors still reach stderr.
    process = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL)  # noqa: S603
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError("gunicorn exited at start") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def http_load(port: int, requests_for_thread, clients: int = 8) -> dict:
    """`clients` threads, each on one keep-alive connection; requests_for_thread(i) yields
    (method, path, body, headers, expected statuses)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def worker(i: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], []
        plan = list(requests_for_thread(i))
        barrier.wait()
        for method, path, body, headers, expected in plan:
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                if response.status not in expected:
                    failed.append(f"{method} {path}: {response.status} {data[:200]!r}")
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            except (OSError, http.client.HTTPException) as exc:
                failed.append(f"{method} {path}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - t0)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    result = latency_summary(latencies, time.perf_counter() - start)
    result["errors"] = len(errors)
    if errors:
        result["first_error"] = errors[0]
    return result


def get_bytes(port: int, path: str, token: str) -> tuple[int, bytes]:
    """One GET: its status and body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": f"Token {token}"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def segment_posts(worklog_ids: list[int], token: str, per_client: int, *, prefix: str = "/api", days_back: int = 0):
    """For client i: `per_client` one-minute segments on its own worklog, in the recent past (and
    `days_back` days earlier: the floor's segments never meet the product's)."""
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2 * per_client + 10, days=days_back)

    def plan(i: int):
        worklog_id = worklog_ids[i]
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        for n in range(per_client):
            started = base + timedelta(minutes=2 * n)
            body = json.dumps(
                {
                    "startedAt": started.isoformat().replace("+00:00", "Z"),
                    "endedAt": (started + timedelta(seconds=60)).isoformat().replace("+00:00", "Z"),
                    "externalId": f"bench-{i}-{n}",
                }
            )
            yield "POST", f"{prefix}/worklogs/{worklog_id}/segments/", body, headers, (201,)

    return plan
