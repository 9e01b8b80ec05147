"""Batch ingestion (`POST /api/segments/batch/`) over real HTTP, beside the single-segment posts of the
same run, and the money audit once the bench has written everything.

Eight clients, each on one keep-alive connection and its own worker's worklog, post batches of 100
one-minute segments, two minutes apart and never overlapping. The load comes from Python threads
(`httpload.http_load`): a client's cost per batch is small beside the server's for 100 segments, and
it can only make the batch figure lower. Every item must answer 201 and every segment must be found.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from devtools.bench import httpload
from settlements.selectors.audit import audit_all
from worklogs import services as worklog_services
from worklogs.models import Segment

BATCH_SIZE = 100
CLIENTS = 8
TARGET_RATIO = 10  # the target: >= 10x the single endpoint's segments/s


def batch_worklogs() -> list[int]:
    """Fresh workers for the batches, apart from the single posts' (made when the batches start, so the
    earlier figures and the CSV export see the data set they always saw)."""
    task = worklog_services.task_create(title="bench batch ingestion")
    ids = []
    for i in range(CLIENTS):
        worker = worklog_services.worker_create(name=f"Batch {i}", email=f"batch{i}@bench.test")
        ids.append(worklog_services.worklog_create(worker=worker, task=task, hourly_rate=Decimal("42.50")).pk)
    return ids


def batch_posts(worklog_ids: list[int], token: str, batches: int, size: int = BATCH_SIZE):
    """For client i: `batches` requests of `size` one-minute segments on its own worklog, in the past."""
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2 * batches * size + 10)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def iso(moment: datetime) -> str:
        return moment.isoformat().replace("+00:00", "Z")

    def plan(i: int):
        for b in range(batches):
            items = []
            for n in range(size):
                started = base + timedelta(minutes=2 * (b * size + n))
                items.append(
                    {
                        "worklogId": worklog_ids[i],
                        "startedAt": iso(started),
                        "endedAt": iso(started + timedelta(seconds=60)),
                        "externalId": f"batch-{i}-{b}-{n}",
                    }
                )
            yield "POST", "/api/segments/batch/", json.dumps({"segments": items}), headers, (200,)

    return plan


def measure(port: int, token: str, batches: int, single_segments_per_s: float) -> dict:
    worklogs = batch_worklogs()
    result = httpload.http_load(port, batch_posts(worklogs, token, batches), clients=CLIENTS)
    expected = CLIENTS * batches * BATCH_SIZE
    created = Segment.objects.filter(worklog_id__in=worklogs).count()
    wall = result["requests"] / result["req_per_s"] if result["req_per_s"] else 0.0
    result.update(
        batch_size=BATCH_SIZE,
        segments_expected=expected,
        segments_created=created,
        segments_per_s=created / wall if wall else 0.0,
        single_segments_per_s=single_segments_per_s,
    )
    result["ratio_vs_single"] = result["segments_per_s"] / single_segments_per_s if single_segments_per_s else None
    return result


def audit_after() -> dict:
    """The money audit (`audit_totals`' set-based checks) over everything the bench wrote."""
    t0 = time.perf_counter()
    differences = audit_all(check_selectors=False)
    return {
        "differences": len(differences),
        "first": [str(d) for d in differences[:5]],
        "seconds": time.perf_counter() - t0,
    }


def verdicts(results: dict) -> dict:
    found: dict[str, tuple[float, str, bool]] = {}
    row = results.get("ingest_batch_gunicorn")
    if row and row.get("ratio_vs_single") is not None:
        ratio = row["ratio_vs_single"]
        found["ingest.batch_vs_single"] = (ratio, f">= {TARGET_RATIO}", ratio >= TARGET_RATIO)
    if "audit_after_bench" in results:
        differences = results["audit_after_bench"]["differences"]
        found["audit.differences_after"] = (differences, "<= 0", differences == 0)
    return {name: {"value": value, "target": target, "met": met} for name, (value, target, met) in found.items()}


def table_rows(results: dict) -> list[tuple[str, str]]:
    rows = []
    row = results.get("ingest_batch_gunicorn")
    if row:
        errors = f", {row['errors']} errors" if row.get("errors") else ""
        ratio = f"{row['ratio_vs_single']:.1f}x" if row.get("ratio_vs_single") else "n/a"
        rows.append(
            (
                f"batch ingestion (gunicorn, batches of {row['batch_size']})",
                f"{row['segments_per_s']:.0f} segments/s ({row['segments_created']}/{row['segments_expected']} "
                f"created), {ratio} the single endpoint's {row['single_segments_per_s']:.0f}/s, "
                f"p50 {row['p50_ms']:.0f} ms, p99 {row['p99_ms']:.0f} ms a batch{errors}",
            )
        )
    if "audit_after_bench" in results:
        audit = results["audit_after_bench"]
        rows.append(("audit after the bench", f"{audit['differences']} differences in {audit['seconds']:.1f} s"))
    return rows
