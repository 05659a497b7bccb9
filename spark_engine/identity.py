"""Identity resolution on the Spark engine: the same rules, guards and splink settings as on
DuckDB (ml/identity/resolve.py), with splink's comparisons running on Spark.

The person-records (one row per source record, far fewer than the events) are collected to the
driver, where the deterministic rules and the clustering run as on DuckDB; splink's blocking,
training and scoring of pairs, the part that grows with the square of a block, runs on Spark.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ml.identity.model_store import stored_model
from ml.identity.resolve import (
    CHANGELOG_TABLE,
    OVERRIDE_COLUMNS,
    OVERRIDES_RELATION,
    PAIRS_TABLE,
    RECORD_COLUMNS,
    RECORDS_RELATION,
    RESOLVED_TABLE,
    ResolutionStats,
    resolution_stats,
    resolve_frame,
)
from ml.identity.rules import RuleConfig
from spark_engine.tables import like_duckdb, write_table


def splink_spark_api(spark):
    """splink's SparkAPI, writing its SQL in sqlglot's stock Spark dialect.

    splink transpiles to its own subclass of that dialect, which only writes double literals with
    a D suffix; sqlglot's compiled build (sqlglotc, which dagster-dbt installs) refuses Python
    subclasses of its generator, so the subclass cannot be used in this environment.
    """
    import sqlglot
    from splink.backends.spark import SparkAPI

    class StockDialectSparkAPI(SparkAPI):
        def _setup_for_execute_sql(self, sql: str, physical_name: str) -> str:
            return sqlglot.transpile(sql, read="spark", write="spark", pretty=True)[0]

    return StockDialectSparkAPI(spark_session=spark)


def _table(spark, name: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    if not spark.catalog.tableExists(name):
        return None
    frame = spark.table(name)
    return like_duckdb((frame.select(*columns) if columns else frame).toPandas())


def resolve_on_spark(spark, cfg: RuleConfig, run_date: dt.date, models_dir: Path | None = None) -> ResolutionStats:
    """Resolve intermediate.int_identity_records into identity.resolved_identities, match_pairs and
    the changelog, as Spark tables."""
    records = _table(spark, RECORDS_RELATION, RECORD_COLUMNS)
    stored = stored_model(models_dir, cfg.probabilistic, run_date, "spark") if models_dir else None
    result = resolve_frame(records, _table(spark, RESOLVED_TABLE), cfg, _table(spark, OVERRIDES_RELATION,
                           OVERRIDE_COLUMNS), splink_api=splink_spark_api(spark), stored=stored)
    resolved = result.resolved.astype({"match_probability": float}).sort_values(["source_system", "source_record_id"])
    write_table(spark, resolved, RESOLVED_TABLE)
    pairs = result.pairs.assign(run_date=run_date)
    write_table(spark, pairs, PAIRS_TABLE)
    changelog = result.changelog.copy()
    changelog.insert(3, "run_date", run_date)
    if spark.catalog.tableExists(CHANGELOG_TABLE):
        # A re-run finds the ids already changed: keep what the first run logged, add the rest
        # (read untyped: its run_date stays a date, as in the new rows).
        logged = spark.table(CHANGELOG_TABLE).toPandas()
        changelog = pd.concat([logged, changelog]).drop_duplicates(ignore_index=True)
    write_table(spark, changelog, CHANGELOG_TABLE)
    return resolution_stats(result)
