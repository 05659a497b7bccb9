"""dbt models as Dagster assets, split by named selector at the identity step between them:
staging + intermediate before it, the marts after it. Both steps pass the partition window as
vars: the incremental models (event staging, the activity union, the window marts) process
that window, the others are rebuilt.

Each dbt invocation costs 10-20 s of start-up and parsing, which is why the marts are not
split further by materialisation (docs/architecture.md). A run longer than one invocation's
memory allows (config/pipeline.yml max_customer_days_per_dbt_run) builds the incremental marts
window by window first; the last window's invocation builds every mart and reports to Dagster.
A failed dbt test fails the step (no retry: a test failure is not transient), so nothing
downstream runs on bad data."""

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
from dagster import (
    AssetCheckEvaluation,
    AssetCheckResult,
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    Config,
    Output,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from config.settings import offer_rules, partitions_start, pipeline_config
from ml.identity.resolve import RESOLVED_TABLE
from orchestration.dbt_args import (
    build_args,
    chunk_days,
    churn_vars,
    feature_days_vars,
    nbo_vars,
    refresh_window,
    window_chunks,
    window_vars,
)
from orchestration.dbt_run_folders import prune_run_folders, run_folder
from orchestration.partitions import daily_partitions
from orchestration.resources import Warehouse, dbt_project, on_spark, warehouse_path
from orchestration.run_day import run_window
from orchestration.validation_results import record_validation
from quality.results import ValidationRow

LAYER_OWNERS = {
    "staging": "team:data-engineering",
    "intermediate": "team:data-engineering",
    "marts": "team:analytics",
}


class DbtRunConfig(Config):
    full_refresh: bool = False


class CustomerDbtTranslator(DagsterDbtTranslator):
    """Asset keys <schema>/<model>, one group per layer (the model's folder)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"  # steward-edited tables, a layer of their own in the UI
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return [LAYER_OWNERS.get(self.get_group_name(dbt_resource_props) or "", "team:data-engineering")]


translator = CustomerDbtTranslator()


def _run_dbt(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse, args: list[str]) -> Iterator:
    warehouse_path()  # exports C360_WAREHOUSE for the dbt profile
    context.log.info(f"dbt {' '.join(args)}")
    # Both steps of a run pass the same vars and share a target folder, so the second one reuses
    # the first one's parse (dbt re-parses the whole project when the vars differ from its last
    # parse in the target folder).
    invocation = dbt.cli(args, context=context, raise_on_error=False, target_path=_target_path(context))
    events = list(invocation.stream())
    # Failed tests are the results most worth keeping: recorded before the step fails on them.
    record_validation(warehouse, _test_rows(context, events))
    relations = {
        e.output_name: ".".join(context.asset_key_for_output(e.output_name).path)
        for e in events
        if isinstance(e, Output)
    }
    counts = _table_counts(warehouse, relations)
    for e in events:
        if isinstance(e, Output) and e.output_name in counts:
            yield e.with_metadata({**e.metadata, "dagster/row_count": counts[e.output_name]})
        else:
            yield e
    if not invocation.is_successful():
        raise invocation.get_error()


def _target_path(context: AssetExecutionContext) -> Path:
    """The run's dbt folder; first the folders of older runs beyond the kept number go."""
    target_dir = Path(dbt_project.project_dir) / dbt_project.target_path
    prune_run_folders(target_dir, int(pipeline_config()["dbt_run_folders_kept"]), context.run.run_id)
    return run_folder(target_dir, context.run.run_id)


def _run_dbt_window(context: AssetExecutionContext, dbt: DbtCliResource, args: list[str]) -> None:
    """A window of a long run before its last: dbt alone, without events for Dagster (the last
    window's invocation reports the run's partitions), so its test results stay in dbt's log and
    run_results.json; a failure, a failed test included, fails the step."""
    warehouse_path()
    context.log.info(f"dbt {' '.join(args)}")
    invocation = dbt.cli(args, raise_on_error=False, target_path=_target_path(context))
    invocation.wait()
    if not invocation.is_successful():
        raise invocation.get_error()


def _customers(warehouse: Warehouse) -> int:
    """Customers of the current identity map (0 before the first resolution)."""
    query = f"SELECT count(DISTINCT customer_id) FROM {RESOLVED_TABLE}"
    if on_spark(warehouse):
        spark = warehouse.session()
        return spark.sql(query).collect()[0][0] if spark.catalog.tableExists(RESOLVED_TABLE) else 0
    with warehouse.get_connection() as con:
        try:
            return con.execute(query).fetchall()[0][0]
        except duckdb.CatalogException:
            return 0


def _test_rows(context: AssetExecutionContext, events: list) -> list[ValidationRow]:
    """dbt test results as rows of quality.validation_results, beside the GX ones."""
    partition, run_id = run_window(context.run.tags), context.run.run_id
    rows = []
    for e in events:
        if isinstance(e, AssetCheckResult | AssetCheckEvaluation):
            failures = e.metadata.get("dagster_dbt/failed_row_count")
            rows.append(ValidationRow(
                e.check_name, "/".join(e.asset_key.path), partition, f"dbt test {e.check_name}",
                "error" if e.severity.value == "ERROR" else "warn", e.passed,
                "" if failures is None else f"{getattr(failures, 'value', failures)} failing rows", None, run_id,
            ))
    return rows


def _table_counts(warehouse: Warehouse, relations: dict[str, str]) -> dict[str, int]:
    """Rows of each built table, once dbt has released the warehouse. Views are not counted:
    counting one runs its query (a staging view reads all history)."""
    if not relations:
        return {}
    if on_spark(warehouse):
        spark = warehouse.session()
        return {output: spark.table(relation).count() for output, relation in relations.items()
                if spark.catalog.tableExists(relation) and spark.catalog.getTable(relation).tableType != "VIEW"}
    counts = {}
    with warehouse.get_connection() as con:
        views = {f"{schema}.{name}" for schema, name in con.execute(
            "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        for output_name, relation in relations.items():
            if relation in views:
                continue
            try:
                counts[output_name] = con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0]
            except duckdb.Error:  # e.g. an ephemeral model
                continue
    return counts


def _window(context: AssetExecutionContext, config: DbtRunConfig) -> tuple[str, str]:
    return refresh_window(*context.partition_key_range, config.full_refresh, partitions_start().isoformat())


def _run_vars(first: str, last: str, run_last_day: str) -> dict:
    """The same vars for both steps of a run: a landing window of it and the model settings."""
    pipeline = pipeline_config()
    settings = churn_vars(pipeline["churn"]) | nbo_vars(offer_rules()) | feature_days_vars(pipeline)
    return window_vars(first, last) | settings | {"run_last_day": run_last_day}


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    selector="pre_identity",
    name="dbt_pre_identity_models",
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    dagster_dbt_translator=translator,
)
def dbt_pre_identity_models(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse, config: DbtRunConfig
):
    first, last = _window(context, config)
    yield from _run_dbt(context, dbt, warehouse, build_args(_run_vars(first, last, last), config.full_refresh))


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    selector="marts",
    name="dbt_mart_models",
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    dagster_dbt_translator=translator,
)
def dbt_mart_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse, config: DbtRunConfig):
    first, last = _window(context, config)
    max_days = chunk_days(_customers(warehouse), pipeline_config()["warehouse"]["max_customer_days_per_dbt_run"])
    windows = window_chunks(first, last, max_days)
    for i, (start, end) in enumerate(windows[:-1]):
        context.log.info(f"incremental marts, window {i + 1} of {len(windows)}: landing days {start}..{end}")
        # a full refresh recreates the incremental tables in the first window; the others add to them
        selector = "marts_incremental" if i else "marts_incremental_with_parents"
        args = build_args(_run_vars(start, end, last), config.full_refresh and i == 0, selector=selector)
        _run_dbt_window(context, dbt, args)
    start, end = windows[-1]
    if len(windows) > 1:
        context.log.info(f"all marts, window {len(windows)} of {len(windows)}: landing days {start}..{end}")
    yield from _run_dbt(
        context, dbt, warehouse, build_args(_run_vars(start, end, last), config.full_refresh and len(windows) == 1)
    )
