"""A benchmark run as a picture: per phase, a bar of its wall time split by stage.

    python -m benchmarks.chart benchmarks/results/M-2026-12-01T1815.json [...]

writes an SVG beside each results file (`benchmarks.run` does so after every phase). The bars
share one time axis, so a night's length against its backfill's and full refresh's shows at a
glance; "other" is the phase's time outside its steps (Dagster planning and starting the run).
The time targets (docs/benchmarks.md) are drawn where they apply: the L night's 5 minutes, a
full year's backfill (60 minutes at L, 10 at M).
"""

from __future__ import annotations

import argparse
import itertools
import json
from html import escape
from pathlib import Path

from benchmarks.measure import STAGES

# The benchmark's stages in pipeline order, each with a colour that readers with colour-blindness
# tell apart too; "other" grey.
_PALETTE = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#CC79A7", "#0072B2", "#D55E00", "#999933", "#882255"]
_STAGES = list(dict.fromkeys(stage for _, stage in STAGES))
STAGE_COLOURS = dict(zip(_STAGES, _PALETTE)) | {"other": "#BBBBBB"}
LABEL_W, BAR_W, VALUE_W = 110, 560, 190
ROW_H, BAR_H, TOP = 30, 18, 80


def targets_s(report: dict) -> dict[str, tuple[float, str]]:
    """The phases that have a time target in this run, with the target and its label."""
    out = {}
    if report.get("scale") == "L":
        out["nightly"] = (300.0, "target 5 min")
    if report.get("days") == 365:
        limit = {"L": 3600.0, "M": 600.0}.get(report.get("scale"))
        if limit:
            out["backfill"] = (limit, f"target {limit / 60:.0f} min")
    return out


def segments(phase: dict) -> list[tuple[str, float]]:
    """The phase's stages in pipeline order, then "other": its wall time outside the named stages."""
    stages = phase["stages"]
    parts = [(name, stages[name]["wall_s"]) for name in _STAGES if name in stages]
    parts.append(("other", max(0.0, phase["wall_s"] - sum(s for _, s in parts))))
    return [(name, s) for name, s in parts if s > 0]


def ticks(axis_s: float) -> list[float]:
    """Round times from 0 to at most axis_s, eight at most: steps of 1, 2 or 5 × 10^k s."""
    step, factors = 1.0, itertools.cycle((2, 2.5, 2))
    while axis_s / step > 7:
        step *= next(factors)
    return [k * step for k in range(int(axis_s // step) + 1)]


def svg(report: dict) -> str:
    phases = {name: p for name, p in report["phases"].items() if p.get("stages")}
    targets = {name: t for name, t in targets_s(report).items() if name in phases}
    axis_s = max([p["wall_s"] for p in phases.values()] + [t for t, _ in targets.values()] + [1.0])

    def x(seconds: float) -> float:
        return LABEL_W + BAR_W * seconds / axis_s

    width, height = LABEL_W + BAR_W + VALUE_W, TOP + ROW_H * len(phases) + 30
    bars = {name: segments(phase) for name, phase in phases.items()}
    present = {stage for parts in bars.values() for stage, _ in parts}
    used = [name for name in STAGE_COLOURS if name in present]
    title = f"{report.get('scale')}: {report.get('persons', 0):,} persons, {report.get('days')} days of history"
    machine = f"{report.get('date')}, {report.get('machine', '')}"
    if speed := report.get("yardstick", {}).get("start"):
        machine += f"; fixed work took DuckDB {speed['duckdb_s']} s, Python {speed['python_s']} s"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<text x="8" y="18" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<text x="8" y="34" font-size="11" fill="#444">{escape(machine)}</text>',
    ]
    for i, name in enumerate(used):
        lx = 8 + i * 86
        out.append(f'<rect x="{lx}" y="44" width="12" height="12" fill="{STAGE_COLOURS[name]}"/>'
                   f'<text x="{lx + 16}" y="54">{name}</text>')
    for row, (name, phase) in enumerate(phases.items()):
        y = TOP + row * ROW_H
        out.append(f'<g class="phase" data-phase="{name}" data-wall-s="{phase["wall_s"]}">')
        out.append(f'<text x="8" y="{y + 13}">{name}</text>')
        start = 0.0
        for stage, seconds in bars[name]:
            out.append(
                f'<rect class="stage" data-stage="{stage}" x="{x(start):.2f}" y="{y}" '
                f'width="{x(start + seconds) - x(start):.2f}" height="{BAR_H}" fill="{STAGE_COLOURS[stage]}">'
                f'<title>{name}, {stage}: {seconds:,.1f} s</title></rect>'
            )
            start += seconds
        peak = f", peak {phase['peak_mib']:,} MiB" if phase.get("peak_mib") else ""
        value = f"failed after {phase['wall_s']:,.1f} s" if phase.get("failed") else f"{phase['wall_s']:,.1f} s{peak}"
        out.append(f'<text x="{x(phase["wall_s"]) + 6:.2f}" y="{y + 13}">{value}</text>')
        if name in targets:
            seconds, label = targets[name]
            out.append(
                f'<line class="target" x1="{x(seconds):.2f}" x2="{x(seconds):.2f}" y1="{y - 4}" '
                f'y2="{y + BAR_H + 4}" stroke="black" stroke-dasharray="4 3"/>'
                f'<text x="{x(seconds) + 3:.2f}" y="{y + BAR_H + 11}" font-size="10">{label}</text>'
            )
        out.append("</g>")
    axis_y = TOP + ROW_H * len(phases) + 4
    out.append(f'<line x1="{LABEL_W}" x2="{LABEL_W + BAR_W}" y1="{axis_y}" y2="{axis_y}" stroke="#444"/>')
    for seconds in ticks(axis_s):
        out.append(f'<text x="{x(seconds):.2f}" y="{axis_y + 16}" text-anchor="middle" font-size="10">'
                   f'{seconds:,.0f} s</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write(results: Path) -> Path:
    """The chart of a results file, beside it."""
    target = results.with_suffix(".svg")
    target.write_text(svg(json.loads(results.read_text())))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, nargs="+", help="benchmarks/results/<scale>-<date>T<HHMM>.json")
    for results in parser.parse_args().results:
        print(write(results))


if __name__ == "__main__":
    main()
