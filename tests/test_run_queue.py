"""Runs that write the warehouse are queued, one at a time, by the instance config shipped in
dagster_home/dagster.yaml: a second run waits in the queue instead of failing on the DuckDB lock."""

from __future__ import annotations

import shutil

from dagster import DagsterInstance
from dagster._core.run_coordinator import QueuedRunCoordinator

from config.settings import REPO_ROOT


def test_the_shipped_instance_queues_runs_one_at_a_time(tmp_path):
    shutil.copy(REPO_ROOT / "dagster_home" / "dagster.yaml", tmp_path / "dagster.yaml")
    with DagsterInstance.from_config(str(tmp_path)) as instance:
        coordinator = instance.run_coordinator
        assert isinstance(coordinator, QueuedRunCoordinator)
        assert coordinator.get_run_queue_config().max_concurrent_runs == 1
        assert instance.run_monitoring_enabled
