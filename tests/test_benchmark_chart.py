"""The benchmark chart: one bar per phase on a shared time axis, split by stage, targets marked."""

import xml.etree.ElementTree as ET

import pytest

from benchmarks.chart import LABEL_W, STAGE_COLOURS, svg, ticks
from benchmarks.measure import STAGES

SVG = "{http://www.w3.org/2000/svg}"


def _report(scale: str, days: int) -> dict:
    return {
        "scale": scale, "persons": 1_000_000, "days": days, "date": "2026-12-01", "machine": "x86_64, 2 cores",
        "phases": {
            "generate": {"wall_s": 50.0},
            "backfill": {"wall_s": 1000.0, "peak_mib": 9000,
                         "stages": {"ingest": {"wall_s": 200.0}, "dbt": {"wall_s": 500.0}}},
            "nightly": {"wall_s": 100.0, "peak_mib": 5000,
                        "stages": {"dbt": {"wall_s": 60.0}, "publish": {"wall_s": 30.0}}},
            "raw_floor": {"wall_s": 0.3},
        },
    }


def _bars(doc: ET.Element) -> dict[str, dict[str, float]]:
    return {
        g.get("data-phase"): {r.get("data-stage"): float(r.get("width")) for r in g.iter(f"{SVG}rect")}
        for g in doc.iter(f"{SVG}g")
    }


def test_each_phase_is_a_bar_of_its_stages_and_the_time_outside_them_on_one_axis():
    doc = ET.fromstring(svg(_report("M", 90)))
    bars = _bars(doc)
    assert list(bars) == ["backfill", "nightly"]  # phases without stages are not drawn
    backfill, nightly = bars["backfill"], bars["nightly"]
    assert list(backfill) == ["ingest", "dbt", "other"] and list(nightly) == ["dbt", "publish", "other"]
    assert backfill["dbt"] / backfill["ingest"] == pytest.approx(2.5)
    assert backfill["other"] / backfill["dbt"] == pytest.approx(300 / 500)
    assert sum(nightly.values()) / sum(backfill.values()) == pytest.approx(0.1)
    assert "1,000.0 s, peak 9,000 MiB" in svg(_report("M", 90))
    assert doc.findall(f".//{SVG}line[@class='target']") == []  # no target of M at 90 days


def test_the_targets_are_drawn_where_they_apply():
    doc = ET.fromstring(svg(_report("L", 365)))
    lines = {g.get("data-phase"): g.find(f"{SVG}line[@class='target']") for g in doc.iter(f"{SVG}g")}
    bars = _bars(doc)
    # the axis reaches the year's target of 3,600 s: the 1,000 s backfill fills 1,000 / 3,600 of it
    night_x = float(lines["nightly"].get("x1")) - LABEL_W
    backfill_x = float(lines["backfill"].get("x1")) - LABEL_W
    assert night_x / backfill_x == pytest.approx(300 / 3600, rel=1e-3)
    assert sum(bars["backfill"].values()) / backfill_x == pytest.approx(1000 / 3600, rel=1e-3)


def test_axis_ticks_are_round():
    assert ticks(376) == [0, 100, 200, 300]
    assert ticks(2130) == [0, 500, 1000, 1500, 2000]
    assert ticks(117) == [0, 20, 40, 60, 80, 100]


def test_the_machine_speed_of_the_run_is_shown_under_the_title():
    report = _report("M", 90) | {"yardstick": {"start": {"duckdb_s": 1.31, "python_s": 1.02}}}
    assert "fixed work took DuckDB 1.31 s, Python 1.02 s" in svg(report)
    assert "fixed work" not in svg(_report("M", 90))  # results from before the yardstick


def test_every_stage_of_the_benchmark_has_its_own_colour():
    stages = {stage for _, stage in STAGES} | {"other"}
    assert set(STAGE_COLOURS) == stages and len(set(STAGE_COLOURS.values())) == len(stages)


def test_a_failed_phase_says_so_beside_its_bar():
    report = _report("L", 365)
    report["phases"]["backfill"]["failed"] = {"dbt_mart_models": "Out of Memory Error"}
    doc = ET.fromstring(svg(report))
    texts = {g.get("data-phase"): [t.text for t in g.iter(f"{SVG}text")] for g in doc.iter(f"{SVG}g")}
    assert "failed after 1,000.0 s" in texts["backfill"] and "100.0 s, peak 5,000 MiB" in texts["nightly"]
