"""Publishes the night's output tables for BI tools, after the marts and ML assets."""

import json
from collections.abc import Sequence

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)

from config.settings import engine, paths, pipeline_config
from orchestration.metadata import markdown_table
from orchestration.partitions import daily_partitions
from orchestration.resources import Warehouse, dbt_project, on_spark
from orchestration.run_day import partition_days, run_day
from serving.pii import pii_columns
from serving.publish import publish
from serving.tables import SERVED_TABLES

PUBLISH_KEY = AssetKey(["serving", "bi_tables"])


class PublishConfig(Config):
    # Rewrite every partition, not only those the run's landing days can have changed.
    full_refresh: bool = False


def served_keys(keys: Sequence[AssetKey]) -> list[AssetKey]:
    """The assets among `keys` that are output tables the serving layer publishes."""
    return sorted((k for k in keys if len(k.path) == 2 and k.path[0] == "marts" and k.path[1] in SERVED_TABLES),
                  key=lambda k: k.to_user_string())


def build_publish_asset(upstream: Sequence[AssetKey]) -> AssetsDefinition:
    @asset(
        key=PUBLISH_KEY,
        deps=list(upstream),
        description=(
            "The output tables for BI tools: data/serving.duckdb (built as a new file, then swapped in by rename: "
            "a reader never waits and never sees half a night) and Parquet under data/exports/<table>/ "
            "(partitioned by date for daily tables). A run rewrites only the partitions its landing days can "
            "have changed and carries the rest over from the previous publication. Personal data is masked "
            "unless config/pipeline.yml serving.pii says otherwise. Runs after the marts and ML assets and "
            "their checks."
        ),
        group_name="serving",
        partitions_def=daily_partitions,
        backfill_policy=BackfillPolicy.single_run(),
        kinds={engine(), "parquet"},
        owners=["team:data-engineering"],
    )
    def bi_tables(
        context: AssetExecutionContext, config: PublishConfig, warehouse: Warehouse
    ) -> MaterializeResult:
        cfg = pipeline_config()["serving"]
        pii = pii_columns(json.loads(dbt_project.manifest_path.read_text()))
        night = run_day(context)
        days = partition_days(context)
        if on_spark(warehouse):
            from spark_engine.serving import publish_on_spark

            result = publish_on_spark(warehouse.session(), SERVED_TABLES, pii, cfg["pii"], night,
                                      (days[0], days[-1]), config.full_refresh)
        else:
            with warehouse.get_connection() as con:
                result = publish(
                    con, paths().serving, paths().exports, SERVED_TABLES, pii, cfg["pii"], night,
                    keep_versions=int(cfg["keep_export_versions"]), window=(days[0], days[-1]),
                    full_refresh=config.full_refresh, record_files=int(cfg["record_files_per_day"]),
                )
        with warehouse.get_connection() as con:
            preview = con.execute(
                "SELECT date, nps, csat_avg, active_customers, churned_customers, revenue FROM marts.cx_kpis_daily "
                "WHERE date <= ? ORDER BY date DESC LIMIT 7",
                [night],
            ).fetchall()
        if result.missing:
            context.log.info(f"not built yet, not published: {', '.join(result.missing)}")
        return MaterializeResult(
            metadata={
                "dagster/row_count": sum(result.rows.values()),
                "night": night.isoformat(),
                **({"serving_schema": "serving"} if on_spark(warehouse) else {
                    "serving_file": MetadataValue.path(str(paths().serving)),
                    "serving_file_built_in": result.built_in,
                    "exports": MetadataValue.path(str(paths().exports)),
                }),
                "pii_mode": cfg["pii"],
                "rewritten": "every partition" if result.full else "the partitions of the run's reach",
                "tables": MetadataValue.md(markdown_table(["table", "rows"], sorted(result.rows.items()))),
                "personal_data_columns": MetadataValue.md(
                    markdown_table(["table", "columns"], [(t, ", ".join(c)) for t, c in result.pii_columns.items()])
                ),
                "not_built_yet": ", ".join(result.missing) or "none",
                "preview_cx_kpis_daily": MetadataValue.md(
                    markdown_table(["date", "NPS", "CSAT", "active", "churned", "revenue"], preview)
                ),
            }
        )

    return bi_tables
