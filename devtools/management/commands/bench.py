"""`manage.py bench`: load a payroll-scale data set into a fresh PostgreSQL database and time it.

See docs/PERFORMANCE.md for what is measured, the targets and the latest figures; `make bench`
creates the database and runs this at full scale.
"""

import argparse
import json
import os
import platform
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from api.tokens import token_issue
from devtools.bench import batch, curve, datagen, measure, report, undo
from devtools.bench.dashboard import measure_dashboard
from devtools.bench.floors.settlement import floor_settle
from devtools.bench.over_http import over_http
from ledger.services import ledger_months_close
from worklogs import services as worklog_services
from worklogs.models import Worker, WorkLog


class Command(BaseCommand):
    help = "Build the synthetic data set in this (fresh, PostgreSQL) database and print the timings."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1 = 10,000 workers and 2M segments to settle.")
        parser.add_argument(
            "--runs", type=int, default=3, help="Timed settlement runs (median, spread), and one while recording."
        )
        parser.add_argument("--json", default="bench-results.json", help="Where to write the figures.")
        parser.add_argument("--history", type=float, default=0.5, help="Paid month size, relative to the next.")
        parser.add_argument("--naive-share", type=float, default=0.01, help="Share of workers for the baseline.")
        parser.add_argument("--requests", type=int, default=0, help="Requests per list scenario (default by scale).")
        parser.add_argument("--load-only", action="store_true", help="Load the data set and stop (to explore it).")
        parser.add_argument("--no-gunicorn", action="store_true", help="Skip the measurements over real HTTP.")
        parser.add_argument(
            "--load-generator",
            choices=["auto", "wrk", "python"],
            default="auto",
            help="Who sends the HTTP load: wrk (if installed, with auto) or Python threads.",
        )
        parser.add_argument("--http-seconds", type=int, default=10, help="Duration of each wrk measurement.")
        parser.add_argument("--no-floors", action="store_true", help="Skip the floors (devtools/bench/floors).")
        parser.add_argument(
            "--curve",
            action="store_true",
            help="How cost grows: the settlement, the list and the balance at each --curve-scales, each on a "
            "fresh database of its own; writes the table and the chart (--curve-png).",
        )
        parser.add_argument("--curve-scales", default="0.1,0.3,1", help="The data set sizes of --curve.")
        parser.add_argument("--curve-png", default="docs/performance-curve.png", help="Where --curve draws its chart.")
        parser.add_argument("--curve-point", action="store_true", help=argparse.SUPPRESS)  # one size of --curve

    def log(self, message: str) -> None:
        self.stdout.write(f"[{time.strftime('%H:%M:%S')}] {message}")
        self.stdout.flush()

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL (COPY, its planner): set DATABASE_URL.")
        if options["curve"]:
            scales = [float(x) for x in options["curve_scales"].split(",")]
            curve.run_curve(
                scales=scales, runs=options["runs"], json_path=options["json"], png_path=options["curve_png"],
                log=self.log, write=self.stdout.write,
            )  # fmt: skip
            return
        if Worker.objects.exists():
            raise CommandError("The benchmark needs a fresh database (it found workers); `make bench` makes one.")
        started = time.perf_counter()
        plan = datagen.Plan(scale=options["scale"], history=options["history"])
        results: dict[str, Any] = {"machine": self.machine(), "plan": plan.as_dict(), "load": {}}
        self.log(f"plan: {plan.as_dict()}")

        self.load(plan, results)
        token, ingest_worklogs, recorder_worklogs = self.fixtures(plan)
        if options["load_only"]:
            self.log("loaded; stopping there (--load-only)")
            return
        if options["curve_point"]:
            results["curve_point"] = curve.measure_point(plan, token, runs=options["runs"], log=self.log)
            Path(options["json"]).write_text(json.dumps(results, indent=2, default=str) + "\n")
            return
        self.settlement(plan, results, options, recorder_worklogs)
        self.reads(plan, results, options, token)
        if not options["no_gunicorn"]:
            over_http(plan, results, options, token, ingest_worklogs, log=self.log)
        results["audit_after_bench"] = batch.audit_after()
        self.log(f"audit after the bench: {results['audit_after_bench']}")
        results["peak_rss_mb_process"] = measure.peak_rss_mb()
        results["total_seconds"] = time.perf_counter() - started
        results["targets"] = report.verdicts(results)
        for line in report.table_lines(results):
            self.stdout.write(line)
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(results, indent=2, default=str) + "\n")
            self.log(f"wrote {options['json']}")

    # --- steps ------------------------------------------------------------------------------

    def machine(self) -> dict:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            shared_buffers = cursor.fetchone()[0]
        memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        return {
            "nproc": os.cpu_count(),
            "memory_gb": round(memory_gb, 1),
            "postgresql": pg,
            "shared_buffers": shared_buffers,
            "python": platform.python_version(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    def load(self, plan, results) -> None:
        loader = datagen.Loader(plan, log=self.log)
        t0 = time.perf_counter()
        loader.load_parties()
        loader.load_month1()
        datagen.analyze()
        results["load"]["month1_s"] = time.perf_counter() - t0
        self.log(f"loaded the paid month in {results['load']['month1_s']:.1f} s; settling it")

        measure.reset_peak_rss()
        first = measure.time_settlement(period_end=plan.period1_end)
        results["settlement_first_month"] = first
        self.log(f"first month: {first['items']} items, {first['remittances']} remittances in {first['seconds']:.1f} s")
        loader.mark_run_paid(first["run_id"])
        t0 = time.perf_counter()
        loader.load_month2()
        datagen.analyze()
        results["load"]["month2_s"] = time.perf_counter() - t0
        results["load"]["rows"] = datagen.table_counts()
        results["load"]["seconds"] = results["load"]["month1_s"] + results["load"]["month2_s"]
        failures = datagen.verify_dataset()
        if failures:
            raise CommandError("The data set is inconsistent: " + "; ".join(failures))
        self.log(f"loaded the month to settle in {results['load']['month2_s']:.1f} s: {results['load']['rows']}")
        # The loader dates its entries in the past; in production the daily `ledger_close` job has
        # closed every month over for a day by then.
        results["load"]["months_closed"] = [m.isoformat() for m in ledger_months_close()]
        self.log(f"ledger months closed: {results['load']['months_closed']}")

    def fixtures(self, plan):
        user, _ = User.objects.get_or_create(username="bench-finance", defaults={"is_staff": True})
        user.groups.add(Group.objects.get_or_create(name="finance")[0])
        _, token = token_issue(user=user)
        task = worklog_services.task_create(title="bench ingestion")
        ingest = []
        for i in range(8):
            worker = worklog_services.worker_create(name=f"Ingest {i}", email=f"ingest{i}@bench.test")
            ingest.append(worklog_services.worklog_create(worker=worker, task=task, hourly_rate=_rate("42.50")).pk)
        # Existing workers spread over the whole id range: their locks meet the run's chunks.
        step = max(1, plan.workers // 8)
        recorder = list(WorkLog.objects.filter(worker_id__in=range(1, plan.workers + 1, step)).order_by("pk")[::20])
        return token, ingest, recorder

    def settlement(self, plan, results, options, recorder_worklogs) -> None:
        sample = list(range(1, plan.workers + 1, max(1, round(1 / options["naive_share"]))))
        self.log(f"naive baseline on {len(sample)} workers")
        naive = measure.time_naive(period_end=plan.period2_end, worker_ids=sample)
        naive["extrapolated_s"] = naive["seconds"] * plan.workers / len(sample)
        results["naive"] = naive
        self.log(f"naive: {naive['items']} items in {naive['seconds']:.1f} s ({naive['items_per_s']:.0f}/s)")

        # `--runs` quiet runs time the settlement alone, each right after the floor's run on the same data
        # (devtools/bench/floors/settlement.py; both undone), so each pair meets the same minute of
        # the machine; one more runs while a thread records segments
        # (late work dated before the paid month, whose slots the data set fills: always in the past
        # and due for this run, so each is paid in this run or the next) and times their waits. The
        # recorder shares the two cores with the run, so that run is slower: both are reported.
        early_day = datetime.combine(plan.period2_end, datetime.min.time(), tzinfo=UTC) - timedelta(days=75)
        runs, floors = [], []
        for i in range(options["runs"] + 1):
            busy = i == options["runs"]
            if not busy and not options["no_floors"]:
                floor = floor_settle(period_end=plan.period2_end)
                undo.undo_run(floor["run_id"])
                floors.append(floor)
                self.log(f"floor {i + 1}: {floor['items']} items, {floor['remittances']} remittances "
                         f"in {floor['seconds']:.2f} s")  # fmt: skip
            run = measure.time_settlement(
                period_end=plan.period2_end,
                recorder_worklogs=recorder_worklogs if busy else None,
                recorder_start=early_day + timedelta(hours=1),
            )
            line = (
                f"run {i + 1}{' (while recording segments)' if busy else ''}: {run['items']} items, "
                f"{run['remittances']} remittances in {run['seconds']:.2f} s, "
                f"longest chunk {run['longest_chunk_s']:.3f} s"
            )
            if busy:
                line += f", {run['concurrent_segments']} segments (max wait {run['concurrent_max_wait_s']:.3f} s)"
            self.log(line)
            undo.undo_run(run["run_id"])
            runs.append(run)
        if floors:
            if floors[0]["items"] != runs[0]["items"] or floors[0]["remittances"] != runs[0]["remittances"]:
                raise CommandError(f"The settlement floor claimed other items than the product: {floors[0]}, {runs[0]}")
            floor_median = statistics.median(f["seconds"] for f in floors)
            results["settlement_floor"] = {
                "runs": floors,
                "seconds": measure.summary([f["seconds"] for f in floors]),
                "items": floors[0]["items"],
                "remittances": floors[0]["remittances"],
                "items_per_s": floors[0]["items"] / floor_median,
            }
        quiet, busy_run = runs[:-1], runs[-1]
        seconds = [r["seconds"] for r in quiet]
        median = statistics.median(seconds)
        results["settlement"] = {
            "runs": runs,
            "seconds": measure.summary(seconds),
            "items": quiet[0]["items"],
            "remittances": quiet[0]["remittances"],
            "items_per_s": quiet[0]["items"] / median,
            "longest_chunk_s": max(r["longest_chunk_s"] for r in runs),
            "speedup_vs_naive": (quiet[0]["items"] / median) / naive["items_per_s"] if naive["items_per_s"] else None,
            "busy_seconds": busy_run["seconds"],
            "busy_items_per_s": busy_run["items"] / busy_run["seconds"],
            "concurrent_segments": busy_run["concurrent_segments"],
            "concurrent_segments_lost": busy_run["concurrent_segments"] - busy_run["concurrent_segments_found"],
            "concurrent_max_wait_s": busy_run["concurrent_max_wait_s"],
            "concurrent_segments_in_run": busy_run["concurrent_segments_in_run"],
            "concurrent_segments_claimed_twice": busy_run["concurrent_segments_claimed_twice"],
            "concurrent_errors": [busy_run["concurrent_error"]] if busy_run["concurrent_error"] else [],
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        }

    def reads(self, plan, results, options, token) -> None:
        repeat = options["requests"] or max(30, min(300, round(300 * plan.scale)))
        client = measure.bench_client()
        lists = {}
        for status in ("UNREMITTED", "REMITTED"):
            first = f"/list-all-worklogs?remittanceStatus={status}&pageSize=100"
            last = measure.last_page_query(client, token, first)
            for name, url in (("first", first), ("last", last)):
                lists[f"{status}.{name}"] = {"url": url, **measure.time_requests(client, token, url, repeat)}
                self.log(f"list {status} {name} page (test client): {lists[f'{status}.{name}']}")
        results["list_test_client"] = lists
        worker_id = plan.workers // 2 or 1
        results["balance_test_client"] = measure.time_requests(
            client, token, f"/api/workers/{worker_id}/balance/", repeat
        )
        self.log(f"balance (test client): {results['balance_test_client']}")
        results["csv_export"] = measure.time_csv_export(client, token, "/list-all-worklogs?format=csv")
        self.log(f"worklog CSV export (test client, streamed): {results['csv_export']}")
        results["dashboard_test_client"] = measure_dashboard(repeat=max(5, repeat // 10))
        self.log(f"finance dashboard (test client): {results['dashboard_test_client']}")


def _rate(value: str):
    return Decimal(value)
