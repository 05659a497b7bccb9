"""Benchmark of the nightly pipeline through Dagster at a given scale.

    python -m benchmarks.run --scale S            # 10k persons × 365 days
    python -m benchmarks.run --persons 2000 --days 60

Generates a dataset in its own data directory, then measures (in process, through the same
job the schedule runs): the full backfill of every day but the last as one run, then the
nightly run of the last day. Per-step wall times come from Dagster's step events; peak memory
is the process's max RSS. Results: benchmarks/results/<scale>-<date>.json and a line to paste
into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

SCALES = {"S": 10_000, "M": 100_000, "L": 1_000_000}


def _peak_rss_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def _step_times(instance, run_id: str) -> dict[str, float]:
    starts, times = {}, {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type_value == "STEP_START":
            starts[event.step_key] = record.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in starts:
            times[event.step_key] = round(record.timestamp - starts[event.step_key], 2)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument("--persons", type=int)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--data-dir", type=Path, default=Path("data/bench"))
    args = parser.parse_args()
    persons = args.persons or SCALES[args.scale]
    os.environ["C360_DATA_DIR"] = str(args.data_dir.resolve())

    # Imported after C360_DATA_DIR is set: the definitions resolve the warehouse path on import.
    from dagster import DagsterInstance

    from config.settings import partitions_start, paths
    from orchestration.definitions import defs
    from orchestration.run_day import range_tags
    from synthetic.generate import generate

    start = partitions_start()
    last = start + dt.timedelta(days=args.days - 1)
    report: dict = {
        "scale": args.scale if not args.persons else f"{persons} persons",
        "persons": persons,
        "days": args.days,
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "stages": {},
    }
    t0 = time.perf_counter()
    print(f"generating {persons:,} persons × {args.days} days …", file=sys.stderr)
    paths().warehouse.unlink(missing_ok=True)
    generate(paths().data_dir, persons=persons, days=args.days, start=start, seed=args.seed)
    report["stages"]["generate_s"] = round(time.perf_counter() - t0, 1)

    job = defs.resolve_job_def("nightly_pipeline")
    instance = DagsterInstance.ephemeral()
    for name, first, end in [
        ("backfill", start, last - dt.timedelta(days=1)),
        ("nightly", last, last),
    ]:
        print(f"{name}: landing days {first}..{end} …", file=sys.stderr)
        t = time.perf_counter()
        result = job.execute_in_process(
            instance=instance, tags=range_tags(first.isoformat(), end.isoformat())
        )
        report["stages"][f"{name}_s"] = round(time.perf_counter() - t, 1)
        report["stages"][f"{name}_steps_s"] = _step_times(instance, result.run_id)
        if not result.success:
            sys.exit(f"{name} run failed")
    report["peak_rss_mib"] = round(_peak_rss_mib())

    out = Path(__file__).parent / "results" / f"{report['scale'].replace(' ', '_')}-{report['date']}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    s = report["stages"]
    print(
        f"| {report['date']} | {report['scale']} | {persons:,} × {args.days} d | {s['generate_s']} s | "
        f"{s['backfill_s']} s | {s['nightly_s']} s | {report['peak_rss_mib']:,} MiB | {report['machine']} |"
    )
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
