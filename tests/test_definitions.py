"""The Dagster definitions load and wire the pipeline as designed."""

from __future__ import annotations

import datetime as dt

from dagster import AssetKey, build_schedule_context
from dagster._core.definitions.backfill_policy import BackfillPolicyType

from config.contract import entities
from orchestration.definitions import defs


def _graph():
    return defs.resolve_asset_graph()


def test_definitions_load_and_validate():
    defs.resolve_all_job_defs()
    assert defs.resolve_job_def("nightly_pipeline") is not None


def test_every_contract_entity_has_a_daily_ingestion_asset():
    graph = _graph()
    for e in entities():
        node = graph.get(AssetKey(["raw", e.source, e.name]))
        assert node.partitions_def is not None
        assert node.backfill_policy.policy_type == BackfillPolicyType.SINGLE_RUN
        assert node.group_name == "raw"


def test_one_partitioning_and_single_run_backfills_for_every_asset():
    # A backfill of any range is then one run (see docs/architecture.md).
    graph = _graph()
    partitions = {graph.get(k).partitions_def for k in graph.materializable_asset_keys}
    assert len(partitions) == 1 and None not in partitions
    for key in graph.materializable_asset_keys:
        assert graph.get(key).backfill_policy.policy_type == BackfillPolicyType.SINGLE_RUN, key


def test_dbt_models_are_grouped_by_layer():
    graph = _graph()
    groups = {k.path[0]: graph.get(k).group_name for k in graph.materializable_asset_keys if len(k.path) == 2}
    assert groups["staging"] == "staging" and groups["features"] == "features"
    assert graph.get(AssetKey(["marts", "customer_360"])).group_name == "marts"
    identity = AssetKey(["identity", "resolved_identities"])
    assert identity in graph.get(AssetKey(["marts", "customer_identity_map"])).parent_keys


def test_churn_trains_after_its_features_and_scores_after_training():
    graph = _graph()
    registry, scores = AssetKey(["marts", "ml_model_registry"]), AssetKey(["marts", "churn_scores"])
    assert {AssetKey(["features", "churn_features"]), AssetKey(["features", "churn_labels"])} <= graph.get(
        registry
    ).parent_keys
    assert registry in graph.get(scores).parent_keys
    assert graph.get(scores).group_name == graph.get(registry).group_name == "ml"
    assert {c.name for c in graph.asset_check_keys if c.asset_key == scores} >= {
        "churn_scores_in_range",
        "churn_scores_cover_eligible_customers",
        "churn_model_not_below_baseline",
        "churn_scores_drift",
    }


def test_every_asset_is_described_and_owned():
    graph = _graph()
    for key in graph.materializable_asset_keys:
        node = graph.get(key)
        assert node.description, key
        assert node.owners, key


def test_dbt_tests_are_asset_checks():
    checks = _graph().asset_check_keys
    assert any(c.asset_key == AssetKey(["marts", "customer_360"]) for c in checks)


def test_nightly_schedule_runs_yesterdays_partition():
    schedule = defs.resolve_schedule_def("nightly_pipeline_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    when = dt.datetime(2026, 3, 15, 2, 0, tzinfo=dt.UTC)
    requests = list(schedule.evaluate_tick(build_schedule_context(scheduled_execution_time=when)).run_requests)
    assert [r.partition_key for r in requests] == ["2026-03-14"]


def test_the_engine_switch_changes_the_resources_only(monkeypatch):
    """config `engine` (or C360_ENGINE) picks the resources; the assets, checks, job and schedule
    stay the same. Building the Spark definitions starts no Spark: the session is made on first use."""
    import pytest

    from config.settings import engine
    from orchestration.definitions import build_definitions
    from orchestration.resources import InProcessDbtCliResource, SparkWarehouse

    monkeypatch.setenv("C360_ENGINE", "spark")
    assert engine() == "spark"
    spark = build_definitions()
    assert isinstance(spark.resources["warehouse"], SparkWarehouse)
    assert isinstance(spark.resources["dbt"], InProcessDbtCliResource) and spark.resources["dbt"].target == "spark"
    graph, spark_graph = defs.resolve_asset_graph(), spark.resolve_asset_graph()
    assert spark_graph.get_all_asset_keys() == graph.get_all_asset_keys()
    assert spark_graph.asset_check_keys == graph.asset_check_keys
    assert sorted(spark.resolve_job_def("nightly_pipeline").graph.node_names()) == \
        sorted(defs.resolve_job_def("nightly_pipeline").graph.node_names())
    monkeypatch.setenv("C360_ENGINE", "snowflake")
    with pytest.raises(ValueError, match="unknown engine"):
        engine()


def test_dbt_starts_without_asking_the_network_for_its_version(monkeypatch):
    """dagster-dbt would run `dbt --version` before the first invocation, which asks PyPI for dbt's
    latest release: the pipeline's resource answers from the installed package instead."""
    from importlib.metadata import version

    import dagster_dbt.core.resource as dagster_dbt_resource
    from packaging.version import Version

    from orchestration.resources import build_resources

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"a subprocess was started: {args}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_subprocess)
    for engine_name in ("duckdb", "spark"):
        dbt = build_resources(engine_name)["dbt"]
        assert dbt._cli_version == Version(version("dbt-core"))
        assert dbt._initialize_dbt_core_adapter(["build"]) is None
