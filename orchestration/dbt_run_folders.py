"""dbt's target folder of each Dagster run, and how many of them are kept.

dagster-dbt points dbt at a target folder of its own per invocation; the dbt steps of one run
share theirs (orchestration/assets/dbt.py). Each holds the run's compiled SQL, dbt.log and
run_results.json, ~25 MB at any scale, so a nightly schedule would fill the disk by a few GB a
year if none were removed."""

from __future__ import annotations

import shutil
from pathlib import Path

PREFIX = "run-"


def run_folder(target_dir: Path, run_id: str) -> Path:
    return target_dir / f"{PREFIX}{run_id}"


def prune_run_folders(target_dir: Path, keep: int, current_run_id: str) -> list[Path]:
    """Removes the run folders of target_dir but the `keep` most recently written and the
    current run's; returns the removed ones. Other files of the target (dbt's partial parse,
    the manifest `make manifest` writes) are not run folders and stay."""
    current = run_folder(target_dir, current_run_id)
    folders = [p for p in target_dir.glob(f"{PREFIX}*") if p.is_dir() and p != current]
    folders.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    removed = folders[max(keep, 0):]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)  # a folder another process removed first is gone all the same
    return removed
