"""The benchmark's verdicts and its figures as a table: each hot path beside its floor.

A *comparison* puts one product figure beside its floor, measured in the same run on the same data
(devtools/bench/floors): their ratio is the target, because the machine's speed drifts by up to 2x
from minute to minute and a ratio of two figures taken a moment apart does not. A comparison may
also carry absolute bounds (a p99 in ms) that must hold as well.

To add a figure: measure it in its own module, keep its results under a key of `results`, and
register a function `results -> list[Comparison]` with `@comparison_builder` (and one
`results -> list[tuple[str, str]]` with `@row_builder` for its table lines); `verdicts` and
`table_lines` then report it like the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from devtools.bench import batch

# Targets that are not ratios to a floor (each is its own ratio or a latency).
TARGETS = {
    "settlement.speedup_vs_naive": (">=", 50),
    "settlement.longest_chunk_s": ("<=", 1.0),
    "dashboard.p50_ms": ("<", 300),  # the finance dashboard through the test client (issue 19)
}

SETTLEMENT_MAX_RATIO = 1.25  # the product's run at most 1.25x the floor's time
LIST_MIN_RATIO, LIST_P99_MS = 0.60, 25.0  # at least 60% of the floor's req/s; p99 at most 25 ms
INGEST_MIN_RATIO, INGEST_P99_MS = 0.50, 50.0  # at least 50% of the floor's segments/s; p99 at most 50 ms


@dataclass
class Bound:
    """An absolute bound on one of the product's figures, e.g. p99_ms <= 25."""

    what: str
    value: float
    op: str
    bound: float

    @property
    def met(self) -> bool:
        return _holds(self.value, self.op, self.bound)


@dataclass
class Comparison:
    """The product's figure beside its floor's. `op`/`target` bound the ratio product / floor:
    "<=" for a time (the product may take at most `target` times the floor's), ">=" for a rate."""

    name: str
    unit: str
    product: float
    floor: float
    op: str
    target: float
    bounds: list[Bound] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        return self.product / self.floor if self.floor else None

    @property
    def ratio_met(self) -> bool:
        return self.ratio is not None and _holds(self.ratio, self.op, self.target)

    @property
    def met(self) -> bool:
        return self.ratio_met and all(b.met for b in self.bounds)

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio, "ratio_met": self.ratio_met, "met": self.met}


def _holds(value: float, op: str, bound: float) -> bool:
    return value >= bound if op == ">=" else value <= bound


ComparisonBuilder = Callable[[dict], list[Comparison]]
RowBuilder = Callable[[dict], list[tuple[str, str]]]
COMPARISON_BUILDERS: list[ComparisonBuilder] = []
ROW_BUILDERS: list[RowBuilder] = []


def comparison_builder(builder: ComparisonBuilder) -> ComparisonBuilder:
    COMPARISON_BUILDERS.append(builder)
    return builder


def row_builder(builder: RowBuilder) -> RowBuilder:
    ROW_BUILDERS.append(builder)
    return builder


@comparison_builder
def _settlement(results: dict) -> list[Comparison]:
    if "settlement_floor" not in results:
        return []
    s, f = results["settlement"], results["settlement_floor"]
    return [Comparison("settlement", "s", s["seconds"]["median"], f["seconds"]["median"], "<=", SETTLEMENT_MAX_RATIO)]


@comparison_builder
def _lists(results: dict) -> list[Comparison]:
    product, floor = results.get("list_gunicorn", {}), results.get("list_floor_gunicorn", {})
    return [
        Comparison(
            f"list {key}",
            "req/s",
            row["req_per_s"],
            floor[key]["req_per_s"],
            ">=",
            LIST_MIN_RATIO,
            [Bound("p99_ms", row["p99_ms"], "<=", LIST_P99_MS)],
        )
        for key, row in product.items()
        if key in floor
    ]


@comparison_builder
def _ingestion(results: dict) -> list[Comparison]:
    if "ingest_floor_gunicorn" not in results:
        return []
    row, floor = results["ingest_gunicorn"], results["ingest_floor_gunicorn"]
    return [
        Comparison(
            "ingestion",
            "segments/s",
            row["segments_per_s"],
            floor["segments_per_s"],
            ">=",
            INGEST_MIN_RATIO,
            [Bound("p99_ms", row["p99_ms"], "<=", INGEST_P99_MS)],
        )
    ]


def comparisons(results: dict) -> list[Comparison]:
    return [c for builder in COMPARISON_BUILDERS for c in builder(results)]


def verdicts(results: dict) -> dict:
    """Every target by name: its value, its bound and whether it is met."""
    found: dict[str, dict] = {}
    s = results["settlement"]
    values = {"settlement.longest_chunk_s": s["longest_chunk_s"]}
    if "dashboard_test_client" in results:
        values["dashboard.p50_ms"] = results["dashboard_test_client"]["p50_ms"]
    if s.get("speedup_vs_naive") is not None:
        values["settlement.speedup_vs_naive"] = s["speedup_vs_naive"]
    for name, value in values.items():
        op, bound = TARGETS[name]
        found[name] = {"value": value, "target": f"{op} {bound}", "met": _holds(value, op, bound)}
    for c in comparisons(results):
        ratio = c.ratio if c.ratio is not None else 0.0
        found[f"{c.name} / floor"] = {"value": ratio, "target": f"{c.op} {c.target}", "met": c.ratio_met}
        for b in c.bounds:
            found[f"{c.name} {b.what}"] = {"value": b.value, "target": f"{b.op} {b.bound:g}", "met": b.met}
    found.update(batch.verdicts(results))
    return found


def comparison_lines(items: list[Comparison]) -> list[str]:
    """One line per comparison: the product's figure, the floor's, the ratio, the target, met or not."""
    lines = []
    width = max((len(c.name) for c in items), default=0)
    for c in items:
        ratio = f"{c.ratio:.2f}x" if c.ratio is not None else "n/a"
        bounds = "".join(f", {b.what} {b.value:.1f} ({b.op} {b.bound:g})" for b in c.bounds)
        lines.append(
            f"{c.name.ljust(width)}  product {_figure(c.product, c.unit)}  floor {_figure(c.floor, c.unit)}  "
            f"ratio {ratio} (target {c.op} {c.target:g}x){bounds}  {'met' if c.met else 'NOT MET'}"
        )
    return lines


def _figure(value: float, unit: str) -> str:
    return f"{value:,.2f} {unit}" if unit == "s" else f"{value:,.0f} {unit}"


@row_builder
def _settlement_rows(results: dict) -> list[tuple[str, str]]:
    s, n = results["settlement"], results["naive"]
    rows = [
        ("first month settled", f"{results['settlement_first_month']['items']} items in "
                                f"{results['settlement_first_month']['seconds']:.2f} s"),
        ("settlement", f"{s['items']} items, {s['remittances']} remittances: "
                       f"median {s['seconds']['median']:.2f} s (min {s['seconds']['min']:.2f}, "
                       f"max {s['seconds']['max']:.2f}, {s['seconds']['runs']} runs)"),
        ("settlement items/s", f"{s['items_per_s']:,.0f}"),
    ]  # fmt: skip
    if "settlement_floor" in results:
        f = results["settlement_floor"]
        rows.append(
            (
                "settlement floor",
                f"{f['items']} items, {f['remittances']} remittances: median {f['seconds']['median']:.2f} s "
                f"(min {f['seconds']['min']:.2f}, max {f['seconds']['max']:.2f}; {f['items_per_s']:,.0f} items/s)",
            )
        )
    rows += [
        ("longest chunk (worker lock)", f"{s['longest_chunk_s'] * 1000:.0f} ms"),
        ("settlement while recording segments", f"{s['busy_seconds']:.2f} s "
                                                f"({s['busy_items_per_s']:,.0f} items/s)"),
        ("segments during that run", f"{s['concurrent_segments']} recorded "
                                    f"({s['concurrent_segments_in_run']} paid in the run, the rest left "
                                    f"for the next), max wait {s['concurrent_max_wait_s'] * 1000:.0f} ms, "
                                    f"lost {s['concurrent_segments_lost']}, "
                                    f"claimed twice {s['concurrent_segments_claimed_twice']}"
                                    + (f", errors: {s['concurrent_errors']}" if s["concurrent_errors"] else "")),
        ("naive baseline", f"{n['items']} items / {n['workers']} workers in {n['seconds']:.1f} s "
                           f"({n['items_per_s']:,.0f}/s, all workers ~{n['extrapolated_s'] / 60:.1f} min)"),
        ("speedup vs naive", f"{s['speedup_vs_naive']:.0f}x" if s["speedup_vs_naive"] else "n/a"),
        ("settlement peak RSS", f"{s['peak_rss_mb']:.0f} MB"),
    ]  # fmt: skip
    return rows


@row_builder
def _read_rows(results: dict) -> list[tuple[str, str]]:
    rows = []
    for key, row in results["list_test_client"].items():
        rows.append((f"list {key} (test client)", _latency(row) + f", {row['queries']} queries"))
    rows.append(("balance (test client)", _latency(results["balance_test_client"])))
    csv_row = results["csv_export"]
    rows.append(
        (
            "worklog CSV export (streamed)",
            f"{csv_row['rows']:,} rows, {csv_row['megabytes']:.1f} MB in {csv_row['seconds']:.1f} s, "
            f"peak RSS +{csv_row['peak_rss_growth_mb']:.0f} MB",
        )
    )
    if "dashboard_test_client" in results:
        page = results["dashboard_test_client"]
        parts = ", ".join(f"{name} {ms:.0f}" for name, ms in page.get("parts_ms", {}).items())
        rows.append(("finance dashboard (test client)", _latency(page) + f" (selectors alone, ms: {parts})"))
        if "next_run" in page:
            rows.append(("  its framed next-run preview", _latency(page["next_run"])))
    return rows


@row_builder
def _http_rows(results: dict) -> list[tuple[str, str]]:
    rows = []
    floors = results.get("list_floor_gunicorn", {})
    for key, row in results.get("list_gunicorn", {}).items():
        rows.append((f"list {key} (gunicorn)", f"{row['req_per_s']:.0f} req/s, " + _latency(row)))
        if key in floors:
            rows.append((f"  floor {key}", f"{floors[key]['req_per_s']:.0f} req/s, " + _latency(floors[key])))
    for key, label in (("ingest_gunicorn", "ingestion (gunicorn)"), ("ingest_floor_gunicorn", "  floor ingestion")):
        if key in results:
            row = results[key]
            rows.append((label, f"{row['segments_per_s']:.0f} segments/s, " + _latency(row)))
    return rows


def table_lines(results: dict) -> list[str]:
    """The figures as aligned lines, each product figure beside its floor, then every target's verdict."""
    machine = results["machine"]
    rows = [
        ("machine", f"{machine['nproc']} cores, {machine['memory_gb']} GB, PostgreSQL {machine['postgresql']}"),
        ("data set", ", ".join(f"{k} {v}" for k, v in results["load"]["rows"].items())),
        ("load", f"{results['load']['seconds']:.1f} s"),
    ]
    for builder in ROW_BUILDERS:
        rows += builder(results)
    rows.extend(batch.table_rows(results))
    rows.append(("peak RSS (bench process)", f"{results['peak_rss_mb_process']:.0f} MB"))
    width = max(len(name) for name, _ in rows)
    lines = ["", *(f"{name.ljust(width)}  {value}" for name, value in rows), ""]
    items = comparisons(results)
    if items:
        lines += ["Beside the floors (same run, same data):", *comparison_lines(items), ""]
    for name, verdict in results["targets"].items():
        mark = "met" if verdict["met"] else "NOT MET"
        lines.append(f"target {name.ljust(30)} {verdict['value']:>12,.2f}  {verdict['target']:<10} {mark}")
    return lines


def _latency(row) -> str:
    errors = f", {row['errors']} errors" if row.get("errors") else ""
    return f"p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms{errors}"
