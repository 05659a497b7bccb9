"""Backfill landing days through Dagster's asset-backfill machinery, as the UI launches one.

Registers an asset backfill of every asset for the days FROM..TO in the Dagster instance
(DAGSTER_HOME), runs the Dagster daemon until the backfill has finished, and prints its
progress. The runs and the backfill show up in `make ui` like any other.

    python -m orchestration.backfill --from 2026-01-01 --to 2026-01-31
    python -m orchestration.backfill --all-landed     # every day present in the landing zone
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from dagster import DagsterInstance, PartitionKeyRange
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill
from dagster._core.storage.dagster_run import RunsFilter
from dagster._core.storage.tags import BACKFILL_ID_TAG
from dagster._core.utils import make_new_backfill_id
from sqlalchemy.exc import OperationalError

from config.contract import entities
from config.settings import REPO_ROOT, paths
from ingest.load import landed_days

DONE = {
    BulkActionStatus.COMPLETED,
    BulkActionStatus.COMPLETED_SUCCESS,
    BulkActionStatus.COMPLETED_FAILED,
    BulkActionStatus.FAILED,
    BulkActionStatus.CANCELED,
}


def landing_range(today: dt.date | None = None) -> tuple[str, str]:
    today = today or dt.date.today()
    landed = sorted({d for e in entities() for d in landed_days(e, paths().landing)})
    # A file dated in the future waits for its day (docs/architecture.md, "Quality gates").
    days = [d for d in landed if d <= today]
    if len(days) < len(landed):
        print(f"{len(landed) - len(days)} landing day(s) after {today} left for their day, from {landed[-1]}",
              file=sys.stderr)
    if not days:
        sys.exit(f"no landing files under {paths().landing}: run `make generate` or deliver extracts first")
    return days[0].isoformat(), days[-1].isoformat()


def submit(instance: DagsterInstance, first: str, last: str) -> str:
    from orchestration.definitions import defs
    from orchestration.partitions import daily_partitions

    asset_graph = defs.resolve_asset_graph()
    partition_keys = daily_partitions.get_partition_keys_in_range(PartitionKeyRange(first, last))
    backfill = PartitionBackfill.from_asset_partitions(
        backfill_id=make_new_backfill_id(),
        asset_graph=asset_graph,
        partition_names=partition_keys,
        asset_selection=sorted(asset_graph.materializable_asset_keys),
        backfill_timestamp=time.time(),
        tags={},
        dynamic_partitions_store=instance,
        all_partitions=False,
        title=f"landing days {first}..{last}",
        description="Launched by `make backfill` / `make demo`.",
        run_config=None,
    )
    instance.add_backfill(backfill)
    return backfill.backfill_id


MAX_FAILED_POLLS = 20


def wait(instance: DagsterInstance, backfill_id: str, log_path: Path) -> BulkActionStatus:
    """Run the daemon (it launches and dequeues the backfill's runs) until the backfill is done."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a") as log:
        daemon = subprocess.Popen(
            [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", str(REPO_ROOT / "workspace.yaml")],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
        started, last_line, failed_polls = time.monotonic(), "", 0
        try:
            while True:
                try:
                    backfill = instance.get_backfill(backfill_id)
                    runs = instance.get_runs(RunsFilter(tags={BACKFILL_ID_TAG: backfill_id}))
                    failed_polls = 0
                except OperationalError as e:
                    # the run storage is SQLite, shared with the daemon and the runs: under load
                    # a read can fail once; the backfill itself is unaffected
                    failed_polls += 1
                    if failed_polls > MAX_FAILED_POLLS:
                        raise
                    print(f"[{time.monotonic() - started:6.0f}s] could not read the run storage ({e.orig}); retrying")
                    time.sleep(3)
                    continue
                by_status = Counter(r.status.value.lower() for r in runs)
                line = f"backfill {backfill.status.value.lower()}: " + (
                    ", ".join(f"{n} {s}" for s, n in sorted(by_status.items())) or "waiting for the daemon"
                )
                if line != last_line:
                    print(f"[{time.monotonic() - started:6.0f}s] {line}", flush=True)
                    last_line = line
                if backfill.status in DONE:
                    return backfill.status
                if daemon.poll() is not None:
                    sys.exit(f"the Dagster daemon stopped (exit {daemon.returncode}); see {log_path}")
                time.sleep(3)
        finally:
            daemon.terminate()
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="first", type=dt.date.fromisoformat)
    parser.add_argument("--to", dest="last", type=dt.date.fromisoformat)
    parser.add_argument("--all-landed", action="store_true", help="every day found in the landing zone")
    args = parser.parse_args()
    if args.all_landed:
        first, last = landing_range()
    elif args.first and args.last:
        first, last = args.first.isoformat(), args.last.isoformat()
    else:
        parser.error("give --from and --to, or --all-landed")

    instance = DagsterInstance.get()
    backfill_id = submit(instance, first, last)
    print(f"backfill {backfill_id}: every asset for landing days {first}..{last}", flush=True)
    status = wait(instance, backfill_id, Path(instance.root_directory) / "logs" / "daemon.log")
    if status != BulkActionStatus.COMPLETED_SUCCESS:
        failed = instance.get_runs(RunsFilter(tags={BACKFILL_ID_TAG: backfill_id}))
        for run in failed:
            if run.status.value == "FAILURE":
                print(f"failed run {run.run_id} ({run.job_name}); open it in `make ui`", file=sys.stderr)
        sys.exit(f"backfill {backfill_id} ended {status.value}")
    print(f"backfill {backfill_id} completed", flush=True)


if __name__ == "__main__":
    main()
