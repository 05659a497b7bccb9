"""What a benchmark records of one Dagster run: per step and per stage, wall time, peak memory
of the whole process tree (Dagster, the dbt subprocess, DuckDB inside both) and rows."""

from __future__ import annotations

import os
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# Step key prefix -> stage of the table, the stages in pipeline order; the first match wins.
STAGES = [
    ("raw__", "ingest"),
    ("raw_quality_gate", "quality"),
    ("marts_quality_gate", "quality"),
    ("dbt_", "dbt"),
    ("identity", "identity"),
    ("feedback__", "sentiment"),
    ("marts__ml_model_registry", "churn"),
    ("marts__churn_scores", "churn"),
    ("marts__next_best_offers", "offers"),
    ("marts__experience_engagement_bands", "quality"),
    ("reports__", "report"),
    ("serving__", "publish"),
]


def stage_of(step_key: str) -> str:
    return next((stage for prefix, stage in STAGES if step_key.startswith(prefix)), "other")


def _children(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids += [int(k) for k in task.read_text().split()]
        except OSError:
            continue
    return kids


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            continue
        todo += _children(p)
    return total


class MemorySampler(threading.Thread):
    """Samples the process tree's resident memory every `interval` seconds until stopped."""

    def __init__(self, interval: float = 0.25):
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        pid = os.getpid()
        while not self._stop_event.is_set():
            self.samples.append((time.time(), tree_rss_bytes(pid)))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def peak_mib(self, start: float = 0.0, end: float = float("inf")) -> float:
        inside = [rss for t, rss in self.samples if start <= t <= end]
        return round(max(inside, default=0) / 2**20)


@dataclass
class Step:
    key: str
    start: float
    end: float = 0.0
    rows_in: int = 0
    rows_out: int = 0
    outputs: dict[str, int] = field(default_factory=dict)
    # dbt's node time of each model the step built (dagster-dbt's "Execution Duration")
    node_s: dict[str, float] = field(default_factory=dict)
    failure: str | None = None  # the innermost error of a failed step (failure_reason)


def _int(value) -> int | None:
    value = getattr(value, "value", value)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def failure_reason(error: str) -> str:
    """The innermost error in a step's failure message: dbt's and DuckDB's come last, under the
    exception that carried them."""
    lines = [line.strip() for line in error.splitlines() if "Error" in line]
    return lines[-1] if lines else error.strip().splitlines()[0]


def run_steps(instance, run_id: str) -> list[Step]:
    """The run's steps with their times, and rows from their materialisations' metadata: rows
    out = each asset's `dagster/row_count` (its table after the step), rows in = the landed
    rows of ingestion steps, dbt's node times. A range run records one materialisation per day:
    counted once. A marts build in windows reports the nodes of its last window."""
    steps: dict[str, Step] = {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        kind = event.event_type_value
        if kind == "STEP_START":
            steps[event.step_key] = Step(event.step_key, record.timestamp)
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in steps:
            steps[event.step_key].end = record.timestamp
            if kind == "STEP_FAILURE":
                steps[event.step_key].failure = failure_reason(event.step_failure_data.error.message)
        elif kind == "ASSET_MATERIALIZATION" and event.step_key in steps:
            mat = event.event_specific_data.materialization
            asset = "/".join(mat.asset_key.path)
            step = steps[event.step_key]
            if asset in step.outputs:
                continue
            step.outputs[asset] = _int(mat.metadata.get("dagster/row_count")) or 0
            duration = mat.metadata.get("Execution Duration")
            if duration is not None:
                step.node_s[asset] = round(float(getattr(duration, "value", duration)), 1)
            step.rows_in += _int(mat.metadata.get("rows_landed")) or 0
    for step in steps.values():
        step.rows_out = sum(step.outputs.values())
    return sorted(steps.values(), key=lambda s: s.start)


def stage_summary(steps: list[Step], sampler: MemorySampler) -> dict[str, dict]:
    """Per stage: wall time (sum of its steps), peak memory during its steps, rows in/out."""
    stages: dict[str, dict] = {}
    for step in steps:
        s = stages.setdefault(stage_of(step.key), {"wall_s": 0.0, "peak_mib": 0, "rows_in": 0, "rows_out": 0})
        s["wall_s"] = round(s["wall_s"] + step.end - step.start, 1)
        s["peak_mib"] = max(s["peak_mib"], sampler.peak_mib(step.start, step.end))
        s["rows_in"] += step.rows_in
        s["rows_out"] += step.rows_out
    return stages


def dbt_node_times(steps: list[Step]) -> dict[str, float]:
    """dbt's node time per model of the run, slowest first."""
    nodes = {asset: t for step in steps for asset, t in step.node_s.items()}
    return dict(sorted(nodes.items(), key=lambda item: -item[1]))


def disk_usage(data_dir: Path, warehouse: Path) -> dict[str, float]:
    """MiB on disk of the data directory's parts (hard links counted once, as `du` does), and of
    the warehouse file's free blocks: DuckDB reuses them but does not give them back."""
    import duckdb

    seen: set[tuple[int, int]] = set()

    def mib(path: Path) -> float:
        total = 0
        for f in [path] if path.is_file() else path.rglob("*"):
            st = f.lstat()
            if stat.S_ISREG(st.st_mode) and (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
        return round(total / 2**20, 1)

    usage = {part.name: mib(part) for part in sorted(data_dir.iterdir())}
    if warehouse.exists():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            size = con.execute("PRAGMA database_size").fetchall()[0]
            columns = [d[0] for d in con.description]
        info = dict(zip(columns, size))
        usage["warehouse_free_blocks"] = round(info["free_blocks"] * info["block_size"] / 2**20, 1)
    return usage
