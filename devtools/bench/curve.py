"""How cost grows with the data set: `manage.py bench --curve` (`make bench BENCH_ARGS="--curve"`).

For each size (0.1, 0.3 and 1 of the data set by default) the command creates a fresh database beside
the current one, migrates it and runs itself there with `--curve-point` in a process of its own (so
each size's peak RSS is its own): the data set is loaded, then the settlement is timed (`--runs`
times, median), the list (first and last page of both filters) and a worker's balance through the
Django test client. The parent drops each database afterwards, prints the table (Markdown, for
docs/PERFORMANCE.md) and draws the chart (matplotlib, headless) with the date, commit and machine.

What should hold: settlement cost linear in items (items/s within 20% across sizes), list and
balance latency flat in the table size, memory flat.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

from devtools.bench import measure, undo

LIST_SCENARIOS = ("UNREMITTED", "REMITTED")


def measure_point(plan, token: str, *, runs: int, log: Callable[[str], None]) -> dict:
    """One size of the curve, on the data set just loaded in this database."""
    timings = []
    for i in range(max(1, runs)):
        run = measure.time_settlement(period_end=plan.period2_end)
        undo.undo_run(run["run_id"])
        timings.append(run)
        log(f"scale {plan.scale}: settlement {i + 1}: {run['items']} items in {run['seconds']:.2f} s")
    median = statistics.median(r["seconds"] for r in timings)
    repeat = max(100, min(300, round(300 * plan.scale)))
    client = measure.bench_client()
    lists = {}
    for status in LIST_SCENARIOS:
        first = f"/list-all-worklogs?remittanceStatus={status}&pageSize=100"
        last = measure.last_page_query(client, token, first)
        for name, url in (("first", first), ("last", last)):
            lists[f"{status}.{name}"] = measure.time_requests(client, token, url, repeat)
    balance = measure.time_requests(client, token, f"/api/workers/{plan.workers // 2 or 1}/balance/", repeat)
    point = {
        "scale": plan.scale,
        "workers": plan.workers,
        "items": timings[0]["items"],
        "settlement_s": median,
        "items_per_s": timings[0]["items"] / median,
        "settlement_peak_rss_mb": max(r["peak_rss_mb"] for r in timings),
        "list": lists,
        "list_p99_ms": max(row["p99_ms"] for row in lists.values()),
        "list_p50_ms": max(row["p50_ms"] for row in lists.values()),
        "balance_p99_ms": balance["p99_ms"],
        "balance_p50_ms": balance["p50_ms"],
        "peak_rss_mb": measure.peak_rss_mb(),
    }
    log(f"scale {plan.scale}: {json.dumps({k: v for k, v in point.items() if k != 'list'}, default=str)}")
    return point


# --- the orchestration (a process and a database per size) -----------------------------------


def _database_url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _run_point(scale: float, runs: int, database: str, out: Path) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}"')
        cursor.execute(f'CREATE DATABASE "{database}"')
    env = dict(os.environ, DATABASE_URL=_database_url(database))
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    try:
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)  # noqa: S603 - our own argv
        subprocess.run(  # noqa: S603 - our own argv
            [*manage, "bench", "--scale", str(scale), "--runs", str(runs), "--curve-point", "--json", str(out)],
            env=env,
            check=True,
        )
        return json.loads(out.read_text())
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}"')


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
            capture_output=True, text=True, check=True, cwd=settings.BASE_DIR,
        )  # fmt: skip
        return done.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_curve(
    *, scales: list[float], runs: int, json_path: str, png_path: str, log: Callable[[str], None], write
) -> dict:
    base = connection.settings_dict["NAME"]
    points, machine = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, scale in enumerate(scales):
            log(f"curve: scale {scale} on a fresh database {base}_curve{i}")
            results = _run_point(scale, runs, f"{base}_curve{i}", Path(tmp) / f"point{i}.json")
            machine = results["machine"]
            points.append(results["curve_point"])
    curve = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": machine_line(machine),
        "points": points,
        "items_per_s_spread": spread([p["items_per_s"] for p in points]),
        "list_p99_spread": spread([p["list_p99_ms"] for p in points]),
        "peak_rss_spread": spread([p["peak_rss_mb"] for p in points]),
    }
    for line in table_lines(curve):
        write(line)
    if json_path:
        Path(json_path).write_text(json.dumps(curve, indent=2, default=str) + "\n")
        log(f"wrote {json_path}")
    if png_path:
        draw(curve, png_path)
        log(f"drew {png_path}")
    return curve


# --- pure parts: the spread, the table, the chart ---------------------------------------------


def spread(values: list[float]) -> float:
    """How far apart the figures are: largest / smallest - 1 (0.2 = within 20%)."""
    return max(values) / min(values) - 1 if values and min(values) > 0 else 0.0


def machine_line(machine: dict) -> str:
    if not machine:
        return platform.platform()
    return (
        f"{machine['nproc']} cores, {machine['memory_gb']} GB, PostgreSQL {machine['postgresql']} "
        f"(shared_buffers {machine['shared_buffers']}), Python {machine['python']}"
    )


def table_lines(curve: dict) -> list[str]:
    """The curve as a Markdown table (docs/PERFORMANCE.md) and the spreads."""
    lines = [
        f"Cost curve: {curve['date']}, commit {curve['commit']}, {curve['machine']}",
        "",
        "| Scale | Workers | Items settled | Settlement | Items/s | List p50 / p99 (worst of 4) "
        "| Balance p50 / p99 | Peak RSS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in curve["points"]:
        lines.append(
            f"| {p['scale']:g} | {p['workers']:,} | {p['items']:,} | {p['settlement_s']:.2f} s | "
            f"{p['items_per_s']:,.0f} | {p['list_p50_ms']:.1f} / {p['list_p99_ms']:.1f} ms | "
            f"{p['balance_p50_ms']:.1f} / {p['balance_p99_ms']:.1f} ms | {p['peak_rss_mb']:.0f} MB |"
        )
    lines += [
        "",
        f"items/s spread across sizes: {curve['items_per_s_spread']:.0%} (target within 20%); "
        f"list p99 spread {curve['list_p99_spread']:.0%}; peak RSS spread {curve['peak_rss_spread']:.0%}",
    ]
    return lines


def draw(curve: dict, path: str) -> None:
    """Three panels against the items settled: items/s, p99 of the reads, peak RSS."""
    import matplotlib  # a dev dependency, loaded only to draw

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = curve["points"]
    items = [p["items"] for p in points]
    figure, (rate, latency, memory) = plt.subplots(1, 3, figsize=(13, 4.2))
    rate.plot(items, [p["items_per_s"] for p in points], "o-", label="settlement")
    rate.set(title="Settlement throughput", xlabel="items settled", ylabel="items/s", ylim=(0, None))
    latency.plot(items, [p["list_p99_ms"] for p in points], "o-", label="list p99 (worst page)")
    latency.plot(items, [p["list_p50_ms"] for p in points], "o--", label="list p50 (worst page)")
    latency.plot(items, [p["balance_p99_ms"] for p in points], "s-", label="balance p99")
    latency.set(title="Read latency (test client)", xlabel="items settled", ylabel="ms", ylim=(0, None))
    latency.legend(fontsize=8)
    memory.plot(items, [p["peak_rss_mb"] for p in points], "o-")
    memory.set(title="Peak RSS of the bench process", xlabel="items settled", ylabel="MB", ylim=(0, None))
    for axes in (rate, latency, memory):
        axes.grid(alpha=0.3)
        axes.ticklabel_format(axis="x", style="plain")
    figure.suptitle(f"WorkLog Settlement cost curve: {curve['date']}, commit {curve['commit']}, {curve['machine']}",
                    fontsize=9)  # fmt: skip
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
