"""Benchmark of the nightly pipeline through Dagster, at scale S, M or L.

    python -m benchmarks.run --scale M                    # 100k persons, 365 days, then 730
    python -m benchmarks.run --persons 2000 --days 30     # a quick look

Generates `2 × days` of extracts into its own data directory (history doubles in the last
phases), then runs the job the schedule runs, in process, phase by phase:

  backfill       landing days 1 .. N-2 as one run (the first full load)
  first_night    day N-1: the first night after it (publish starts from a copy of the backfill's file)
  nightly        day N: the nightly incremental run, as every night after the first
  full_refresh   day N again, every dbt model rebuilt from all history and every output table
                 republished in full (what a naive pipeline does each night)
  raw_floor      DuckDB reading day N's extracts once (the floor for ingestion)
  backfill_2     days N+1 .. 2N-2 (history grows to 2N days)
  first_night_2  day 2N-1
  nightly_2      day 2N: the nightly run on twice the history

Per phase and per stage (ingest, quality, dbt, identity, churn, offers, publish, ...): wall
time, peak memory of the process tree (Dagster + dbt + DuckDB) and rows; per dbt model its node
time; after each phase, the disk the data directory's parts take; before the first phase and
after the last, the machine's speed on fixed work (benchmarks/yardstick.py). Results go to
benchmarks/results/<scale>-<date>T<HHMM>.json (the start, UTC), with its chart beside it
(benchmarks/chart.py); the summary printed at the end is the one pasted into
docs/benchmarks.md. `--no-double` stops after the first night; `--only nightly,full_refresh`
re-measures those phases on the data and warehouse a previous run left (after a change).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

from benchmarks.chart import svg
from benchmarks.measure import MemorySampler, dbt_node_times, disk_usage, run_steps, stage_summary
from benchmarks.raw_floor import read_day
from benchmarks.yardstick import yardstick

SCALES = {"S": 10_000, "M": 100_000, "L": 1_000_000}


def _log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _phase(job, instance, first: dt.date, last: dt.date, full_refresh: bool = False) -> dict:
    from config.settings import paths
    from orchestration.run_day import range_tags

    run_config = {}
    if full_refresh:
        run_config = {"ops": {op: {"config": {"full_refresh": True}}
                              for op in ("dbt_pre_identity_models", "dbt_mart_models", "serving__bi_tables")}}
    sampler = MemorySampler()
    sampler.start()
    t0 = time.time()
    result = job.execute_in_process(
        instance=instance, tags=range_tags(first.isoformat(), last.isoformat()),
        run_config=run_config, raise_on_error=False,
    )
    wall = time.time() - t0
    sampler.stop()
    steps = run_steps(instance, result.run_id)
    phase = {
        "days": f"{first}..{last}",
        "wall_s": round(wall, 1),
        "peak_mib": sampler.peak_mib(),
        "stages": stage_summary(steps, sampler),
        "steps": {s.key: {"wall_s": round(s.end - s.start, 1), "peak_mib": sampler.peak_mib(s.start, s.end),
                          "rows_in": s.rows_in, "rows_out": s.rows_out} for s in steps},
        "dbt_nodes_s": dbt_node_times(steps),
        "disk_mib": disk_usage(paths().data_dir, paths().warehouse),
    }
    if not result.success:  # what ran before the failure is a result too
        # a run can fail outside its steps (planning, a resource): it must stop the benchmark too
        phase["failed"] = {s.key: s.failure for s in steps if s.failure} or {"run": "failed outside its steps"}
    return phase


def _save(report: dict, out: Path) -> None:
    out.write_text(json.dumps(report, indent=2) + "\n")
    out.with_suffix(".svg").write_text(svg(report))


def summary_lines(report: dict) -> list[str]:
    """The markdown rows of docs/benchmarks.md for one benchmark run, and its targets."""
    p = report["phases"]
    lines = [
        f"| {report['date']} | {report['scale']} | {name} | {p[name]['days']} | {p[name]['wall_s']:,} s "
        f"| {p[name]['peak_mib']:,} MiB |"
        for name in ("backfill", "first_night", "nightly", "full_refresh", "backfill_2", "first_night_2", "nightly_2")
        if name in p
    ]
    checks = report.get("targets", {})
    lines.append("")
    lines += [f"- {name}: {value}" for name, value in checks.items()]
    return lines


def targets(phases: dict) -> dict:
    nightly = phases["nightly"]
    out = {
        "nightly_s": nightly["wall_s"],
        "nightly_peak_gib": round(nightly["peak_mib"] / 1024, 2),
        "refresh_speedup": round(phases["full_refresh"]["wall_s"] / nightly["wall_s"], 1),
    }
    if "nightly_2" in phases:
        out["history_ratio"] = round(phases["nightly_2"]["wall_s"] / nightly["wall_s"], 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument("--persons", type=int)
    parser.add_argument("--days", type=int, default=365, help="N: history of the first night")
    parser.add_argument("--no-double", action="store_true", help="stop after the first night")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--only", help="comma-separated phases to re-run on an existing benchmark's data")
    args = parser.parse_args()
    persons = args.persons or SCALES[args.scale]
    scale = args.scale if not args.persons else f"{persons}p"
    data_dir = (args.data_dir or Path("data") / "bench" / scale).resolve()
    os.environ["C360_DATA_DIR"] = str(data_dir)

    # Imported after C360_DATA_DIR is set: the definitions resolve the warehouse path on import.
    from dagster import DagsterInstance

    from config.settings import partitions_start, paths
    from orchestration.definitions import defs
    from synthetic.generate import generate

    n, start = args.days, partitions_start()
    day = lambda i: start + dt.timedelta(days=i - 1)  # noqa: E731  (landing day i, 1-based)
    total_days = n if args.no_double else 2 * n
    started = dt.datetime.now(dt.UTC)
    report: dict = {
        "scale": scale, "persons": persons, "days": n, "date": started.date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
                   f"Python {platform.python_version()}",
        "phases": {},
    }
    _log("timing the machine (benchmarks/yardstick.py)")
    report["yardstick"] = {"start": yardstick()}
    phases = report["phases"]

    only = set(args.only.split(",")) if args.only else None
    if only is None:
        _log(f"generating {persons:,} persons × {total_days} days into {data_dir}")
        for f in (paths().warehouse, paths().data_dir / "serving.duckdb"):
            f.unlink(missing_ok=True)
        t0 = time.time()
        rows = generate(data_dir, persons=persons, days=total_days, start=start, seed=args.seed)
        phases["generate"] = {"days": f"{day(1)}..{day(total_days)}", "wall_s": round(time.time() - t0, 1),
                              "rows_out": sum(rows.values())}

    suffix = "-" + "-".join(sorted(only)) if only else ""
    # The start time in the name: a second run on the same day must not overwrite the first.
    out = Path(__file__).parent / "results" / f"{scale}-{report['date']}T{started:%H%M}{suffix}.json"
    out.parent.mkdir(exist_ok=True)

    job = defs.resolve_job_def("nightly_pipeline")
    instance = DagsterInstance.ephemeral()
    plan = [("backfill", 1, n - 2, False), ("first_night", n - 1, n - 1, False), ("nightly", n, n, False),
            ("full_refresh", n, n, True)]
    if not args.no_double:
        plan += [("backfill_2", n + 1, 2 * n - 2, False), ("first_night_2", 2 * n - 1, 2 * n - 1, False),
                 ("nightly_2", 2 * n, 2 * n, False)]
    for name, first, last, full_refresh in plan:
        if only is not None and name not in only:
            continue
        _log(f"{name}: landing days {day(first)}..{day(last)}")
        phases[name] = _phase(job, instance, day(first), day(last), full_refresh)
        _log(f"{name}: {phases[name]['wall_s']} s, peak {phases[name]['peak_mib']:,} MiB")
        if failed := phases[name].get("failed"):
            _save(report, out)
            sys.exit(f"{name} failed ({failed}); results so far in {out}")
        if name == "nightly":
            phases["raw_floor"] = read_day(paths().landing, day(n))
        if {"nightly", "full_refresh"} <= set(phases):
            report["targets"] = targets(phases)
        _save(report, out)  # after each phase: a long run's partial results
    report["yardstick"]["end"] = yardstick()
    _save(report, out)
    print("\n".join(summary_lines(report)))
    _log(f"wrote {out}")


if __name__ == "__main__":
    main()
