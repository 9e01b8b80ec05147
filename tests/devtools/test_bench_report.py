"""The bench's report: each product figure beside its floor, the ratio and the verdict; the cost curve's
table, spreads and chart. Pure functions on made-up figures: nothing here is timed."""

from devtools.bench import curve, report
from devtools.bench.report import Bound, Comparison


def _results(**extra) -> dict:
    return {
        "settlement": {"seconds": {"median": 12.0}, "longest_chunk_s": 0.4, "speedup_vs_naive": 400.0},
        "settlement_floor": {"seconds": {"median": 10.0}},
        "list_gunicorn": {
            "REMITTED.first": {"req_per_s": 300.0, "p99_ms": 20.0},
            "REMITTED.last": {"req_per_s": 200.0, "p99_ms": 30.0},
        },
        "list_floor_gunicorn": {
            "REMITTED.first": {"req_per_s": 400.0, "p99_ms": 5.0},
            "REMITTED.last": {"req_per_s": 400.0, "p99_ms": 5.0},
        },
        "ingest_gunicorn": {"segments_per_s": 100.0, "p99_ms": 40.0},
        "ingest_floor_gunicorn": {"segments_per_s": 250.0, "p99_ms": 10.0},
        **extra,
    }


def test_a_time_is_met_at_most_its_ratio_and_a_rate_at_least_its_ratio():
    assert Comparison("s", "s", 12.5, 10.0, "<=", 1.25).met  # exactly at the bound
    assert not Comparison("s", "s", 12.6, 10.0, "<=", 1.25).met
    assert Comparison("l", "req/s", 60.0, 100.0, ">=", 0.6).met
    assert not Comparison("l", "req/s", 59.9, 100.0, ">=", 0.6).met
    assert Comparison("l", "req/s", 1.0, 0.0, ">=", 0.6).ratio is None  # no floor: no ratio, not met
    assert not Comparison("l", "req/s", 1.0, 0.0, ">=", 0.6).met


def test_a_comparison_is_met_only_when_its_bounds_hold_too():
    fast_but_late = Comparison("l", "req/s", 90.0, 100.0, ">=", 0.6, [Bound("p99_ms", 26.0, "<=", 25)])
    assert fast_but_late.ratio_met and not fast_but_late.met
    assert fast_but_late.as_dict()["ratio"] == 0.9


def test_the_comparisons_of_a_run_and_their_verdicts():
    found = {c.name: c for c in report.comparisons(_results())}
    assert set(found) == {"settlement", "list REMITTED.first", "list REMITTED.last", "ingestion"}
    assert found["settlement"].ratio == 1.2 and found["settlement"].met
    assert found["list REMITTED.first"].ratio == 0.75 and found["list REMITTED.first"].met
    assert found["list REMITTED.last"].ratio == 0.5 and not found["list REMITTED.last"].met  # 50% and p99 30 ms
    assert found["ingestion"].ratio == 0.4 and not found["ingestion"].met

    verdicts = report.verdicts(_results())
    assert verdicts["settlement / floor"] == {"value": 1.2, "target": "<= 1.25", "met": True}
    assert verdicts["list REMITTED.last p99_ms"] == {"value": 30.0, "target": "<= 25", "met": False}
    assert verdicts["ingestion / floor"]["met"] is False
    assert verdicts["settlement.speedup_vs_naive"]["met"] is True
    assert verdicts["settlement.longest_chunk_s"] == {"value": 0.4, "target": "<= 1.0", "met": True}


def test_without_floors_only_the_product_targets_remain():
    results = _results()
    for key in ("settlement_floor", "list_floor_gunicorn", "ingest_floor_gunicorn"):
        del results[key]
    assert report.comparisons(results) == []
    assert set(report.verdicts(results)) == {"settlement.longest_chunk_s", "settlement.speedup_vs_naive"}


def test_each_comparison_line_shows_both_figures_the_ratio_and_the_verdict():
    lines = report.comparison_lines(report.comparisons(_results()))
    assert " ".join(lines[0].split()) == "settlement product 12.00 s floor 10.00 s ratio 1.20x (target <= 1.25x) met"
    assert "ratio 0.50x (target >= 0.6x), p99_ms 30.0 (<= 25)  NOT MET" in lines[2]
    assert lines[3].startswith("ingestion ") and "product 100 segments/s  floor 250 segments/s" in lines[3]


def test_a_new_figure_plugs_in_with_a_builder():
    builder = report.comparison_builder(
        lambda results: [Comparison("batch", "segments/s", 900.0, 1000.0, ">=", 0.5)] if "batch" in results else []
    )
    try:
        assert "batch / floor" in report.verdicts(_results(batch={}))
        assert "batch / floor" not in report.verdicts(_results())
    finally:
        report.COMPARISON_BUILDERS.remove(builder)


POINTS = [
    {"scale": 0.1, "workers": 1000, "items": 205_000, "settlement_s": 1.0, "items_per_s": 205_000.0,
     "list_p50_ms": 5.0, "list_p99_ms": 9.0, "balance_p50_ms": 4.0, "balance_p99_ms": 6.0, "peak_rss_mb": 80.0},
    {"scale": 1, "workers": 10000, "items": 2_050_000, "settlement_s": 11.0, "items_per_s": 186_363.6,
     "list_p50_ms": 5.5, "list_p99_ms": 9.9, "balance_p50_ms": 4.2, "balance_p99_ms": 6.3, "peak_rss_mb": 100.0},
]  # fmt: skip


def test_the_spread_is_how_far_apart_the_figures_are():
    assert round(curve.spread([100.0, 120.0, 110.0]), 9) == 0.2
    assert curve.spread([5.0]) == 0.0
    assert curve.spread([]) == 0.0


def test_the_curve_table_has_a_row_per_size_and_the_spreads():
    data = {"date": "2026-12-02T10:00:00+00:00", "commit": "abc1234", "machine": "2 cores", "points": POINTS,
            "items_per_s_spread": 0.1, "list_p99_spread": 0.1, "peak_rss_spread": 0.25}  # fmt: skip
    lines = curve.table_lines(data)
    assert lines[0] == "Cost curve: 2026-12-02T10:00:00+00:00, commit abc1234, 2 cores"
    assert "| 0.1 | 1,000 | 205,000 | 1.00 s | 205,000 | 5.0 / 9.0 ms | 4.0 / 6.0 ms | 80 MB |" in lines
    assert "| 1 | 10,000 | 2,050,000 | 11.00 s | 186,364 | 5.5 / 9.9 ms | 4.2 / 6.3 ms | 100 MB |" in lines
    assert lines[-1].startswith("items/s spread across sizes: 10% (target within 20%)")


def test_the_curve_chart_is_a_png(tmp_path):
    path = tmp_path / "curve.png"
    curve.draw({"date": "d", "commit": "c", "machine": "m", "points": POINTS}, str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
