"""The benchmark's verdicts against its targets, and its figures as a table."""

from devtools.bench import batch

TARGETS = {
    "settlement.items_per_s": (">=", 160_000),
    "settlement.speedup_vs_naive": (">=", 50),
    "settlement.longest_chunk_s": ("<=", 1.0),
    "list.req_per_s": (">=", 500),
    "list.p99_ms": ("<=", 25),
    "ingest.segments_per_s": (">=", 250),
    "ingest.p99_ms": ("<=", 50),
}


def _meets(name: str, value: float) -> bool:
    op, bound = TARGETS[name]
    return value >= bound if op == ">=" else value <= bound


def verdicts(results: dict) -> dict:
    found = {}
    s = results["settlement"]
    found["settlement.items_per_s"] = s["items_per_s"]
    if s["speedup_vs_naive"] is not None:
        found["settlement.speedup_vs_naive"] = s["speedup_vs_naive"]
    found["settlement.longest_chunk_s"] = s["longest_chunk_s"]
    if "list_gunicorn" in results:
        found["list.req_per_s"] = min(r["req_per_s"] for r in results["list_gunicorn"].values())
        found["list.p99_ms"] = max(r["p99_ms"] for r in results["list_gunicorn"].values())
        found["ingest.segments_per_s"] = results["ingest_gunicorn"]["segments_per_s"]
        found["ingest.p99_ms"] = results["ingest_gunicorn"]["p99_ms"]
    return {
        **{
            name: {"value": value, "target": f"{TARGETS[name][0]} {TARGETS[name][1]}", "met": _meets(name, value)}
            for name, value in found.items()
        },
        **batch.verdicts(results),
    }


def table_lines(results: dict) -> list[str]:
    """The figures as aligned lines, then one line per target with its verdict."""
    s, n = results["settlement"], results["naive"]
    rows = [
        ("machine", f"{results['machine']['nproc']} cores, {results['machine']['memory_gb']} GB, "
                    f"PostgreSQL {results['machine']['postgresql']}"),
        ("data set", ", ".join(f"{k} {v}" for k, v in results["load"]["rows"].items())),
        ("load", f"{results['load']['seconds']:.1f} s"),
        ("first month settled", f"{results['settlement_first_month']['items']} items in "
                                f"{results['settlement_first_month']['seconds']:.2f} s"),
        ("settlement", f"{s['items']} items, {s['remittances']} remittances: "
                       f"median {s['seconds']['median']:.2f} s (min {s['seconds']['min']:.2f}, "
                       f"max {s['seconds']['max']:.2f}, {s['seconds']['runs']} runs)"),
        ("settlement items/s", f"{s['items_per_s']:,.0f}"),
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
    for key, row in results.get("list_gunicorn", {}).items():
        rows.append((f"list {key} (gunicorn)", f"{row['req_per_s']:.0f} req/s, " + _latency(row)))
    if "ingest_gunicorn" in results:
        row = results["ingest_gunicorn"]
        rows.append(("ingestion (gunicorn)", f"{row['segments_per_s']:.0f} segments/s, " + _latency(row)))
    rows.extend(batch.table_rows(results))
    rows.append(("peak RSS (bench process)", f"{results['peak_rss_mb_process']:.0f} MB"))
    width = max(len(name) for name, _ in rows)
    lines = ["", *(f"{name.ljust(width)}  {value}" for name, value in rows), ""]
    for name, verdict in results["targets"].items():
        mark = "met" if verdict["met"] else "NOT MET"
        lines.append(f"target {name.ljust(30)} {verdict['value']:>12,.2f}  {verdict['target']:<10} {mark}")
    return lines


def _latency(row) -> str:
    errors = f", {row['errors']} errors" if row.get("errors") else ""
    return f"p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms{errors}"
