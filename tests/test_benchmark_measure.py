"""The benchmark's bookkeeping: steps grouped into stages, memory of the process tree, targets."""

import os
import subprocess
import sys

import duckdb

from benchmarks.measure import (
    MemorySampler,
    Step,
    dbt_node_times,
    disk_usage,
    failure_reason,
    stage_of,
    stage_summary,
    tree_rss_bytes,
)
from benchmarks.run import targets


def test_every_step_of_the_nightly_job_falls_in_a_named_stage():
    from orchestration.definitions import defs

    job = defs.resolve_job_def("nightly_pipeline")
    steps = [node.name for node in job.graph.node_defs]
    assert steps and [s for s in steps if stage_of(s) == "other"] == []
    assert stage_of("raw__sales__orders") == "ingest" and stage_of("dbt_mart_models") == "dbt"


def test_memory_of_the_tree_includes_children():
    alone = tree_rss_bytes(os.getpid())
    child = subprocess.Popen(
        [sys.executable, "-c", "x = b'x' * (200 * 2**20); print('ready', flush=True); import time; time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        assert tree_rss_bytes(os.getpid()) - alone > 150 * 2**20
    finally:
        child.kill()


def test_stages_add_their_steps_and_keep_the_peak_inside_them():
    sampler = MemorySampler()
    sampler.samples = [(1.0, 100 * 2**20), (2.5, 900 * 2**20), (4.0, 300 * 2**20)]
    steps = [
        Step("raw__sales__orders", 0.5, 1.5, rows_in=10, rows_out=9),
        Step("raw__sales__customers", 1.5, 2.0, rows_in=5, rows_out=5),
        Step("dbt_mart_models", 3.0, 5.0, rows_out=40),
    ]
    stages = stage_summary(steps, sampler)
    assert stages["ingest"] == {"wall_s": 1.5, "peak_mib": 100, "rows_in": 15, "rows_out": 14}
    assert stages["dbt"]["peak_mib"] == 300


def test_targets_compare_the_nightly_run_with_the_full_refresh_and_the_doubled_history():
    phases = {"nightly": {"wall_s": 60.0, "peak_mib": 4096}, "full_refresh": {"wall_s": 900.0},
              "nightly_2": {"wall_s": 66.0}}
    assert targets(phases) == {"nightly_s": 60.0, "nightly_peak_gib": 4.0, "refresh_speedup": 15.0,
                               "history_ratio": 1.1}


def test_a_failed_step_is_told_by_its_innermost_error():
    # the shape of dagster-dbt's message when dbt fails, and of a DuckDB error in a Python step
    dbt = (
        "The dbt CLI process with command\n\n`dbt build --selector marts`\n\nfailed with exit code `1`.\n\n"
        "Errors parsed from dbt logs:\n\n49 of 108 ERROR creating sql model features.churn_features\n\n"
        "  Runtime Error in model churn_features (models/features/churn_features.sql)\n"
        "  Out of Memory Error: failed to pin block of size 256.0 KiB (5.5 GiB/5.5 GiB used)\n\n"
        "  Possible solutions:\n  * Reducing the number of threads (SET threads=X)\n"
    )
    assert failure_reason(dbt) == "Out of Memory Error: failed to pin block of size 256.0 KiB (5.5 GiB/5.5 GiB used)"
    assert failure_reason("duckdb.duckdb.IOException: IO Error: No space left on device\n") == (
        "duckdb.duckdb.IOException: IO Error: No space left on device")
    assert failure_reason("step timed out\nafter 10 s") == "step timed out"


def test_dbt_node_times_slowest_first_and_disk_counts_a_hard_link_once(tmp_path):
    steps = [Step("dbt_pre_identity_models", 0, 1, node_s={"staging/a": 1.0}),
             Step("dbt_mart_models", 1, 2, node_s={"marts/b": 3.5, "marts/c": 0.2})]
    assert list(dbt_node_times(steps).items()) == [("marts/b", 3.5), ("staging/a", 1.0), ("marts/c", 0.2)]

    exports = tmp_path / "exports"
    (exports / "v1").mkdir(parents=True)
    (exports / "v1" / "part.parquet").write_bytes(b"x" * 2**20)
    (exports / "v2").mkdir()
    os.link(exports / "v1" / "part.parquet", exports / "v2" / "part.parquet")
    (tmp_path / "landing").mkdir()
    (tmp_path / "landing" / "day.csv").write_bytes(b"y" * 2**20)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("CREATE TABLE t AS SELECT random() AS x FROM range(2000000)")
        con.execute("DROP TABLE t")
        con.execute("CHECKPOINT")
    usage = disk_usage(tmp_path, tmp_path / "warehouse.duckdb")
    assert usage["exports"] == usage["landing"] == 1.0
    assert usage["warehouse.duckdb"] > 0 and usage["warehouse_free_blocks"] > 0
