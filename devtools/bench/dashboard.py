"""The finance dashboard (the admin's home page) on the bench data set, through the test client.

Logged in as a finance superuser (a session, as a person uses it), the page is requested `repeat`
times after one warm-up; the figure is the latency summary and the queries of one request. The
target: under 300 ms at the median (issue 19).
"""

import time
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from devtools.bench.measure import percentile

TARGET_MS = 300.0


def measure_dashboard(*, repeat: int) -> dict[str, Any]:
    user, _ = User.objects.get_or_create(username="bench-dashboard", defaults={"is_staff": True, "is_superuser": True})
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        status = client.get("/admin/").status_code
    latencies = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get("/admin/")
        latencies.append(time.perf_counter() - started)
    p50 = percentile(latencies, 50) * 1000
    return {
        "status": status,
        "queries": len(captured),
        "requests": repeat,
        "p50_ms": p50,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": max(latencies) * 1000,
        "target_ms": TARGET_MS,
        "met": status == 200 and p50 < TARGET_MS,
    }
