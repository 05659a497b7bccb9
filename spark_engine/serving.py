"""The serving layer on the Spark engine: the output tables for BI tools as Parquet tables of the
schema `serving` in the Spark catalog, personal data served as serving/pii.py says (its SQL,
written in Spark's dialect by sqlglot).

As on DuckDB, a night rewrites what it can have changed: the daily tables' partitions from the
run's first day (or the day after the previous publication, if earlier) by dynamic partition
overwrite, the small current-state tables whole. On Spark the marts' older partitions never change
between full refreshes (the identity remap of history needs a full refresh there, docs/spark.md),
so nothing before that day is republished; a table whose columns changed is rewritten whole.
BI tools read `serving.*` through the cluster's SQL endpoint (Thrift server, Databricks SQL, …);
each table's overwrite is one Spark job commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from serving.pii import column_expression
from serving.publish import INFO_TABLE, PublishResult
from spark_engine.connection import to_spark_sql
from spark_engine.tables import catalog_tables, write_table

SCHEMA = "serving"


def _previous_night(spark, mode: str) -> dt.date | None:
    info = f"{SCHEMA}.{INFO_TABLE}"
    if not spark.catalog.tableExists(info):
        return None
    rows = spark.sql(f"SELECT DISTINCT night, pii_mode FROM {info}").collect()
    return rows[0][0] if len(rows) == 1 and rows[0][1] == mode else None


def publish_on_spark(
    spark,
    tables: Mapping[str, str | None],
    pii: Mapping[str, Mapping[str, str]],
    mode: str,
    night: dt.date | None,
    window: tuple[dt.date, dt.date],
    full_refresh: bool = False,
    schema: str = "marts",
) -> PublishResult:
    """serving/publish.py's publish, to Spark tables `serving.<table>`."""
    present = catalog_tables(spark, schema)
    result = PublishResult(night=night, missing=[t for t in tables if t not in present])
    served = [t for t in tables if t in present]
    result.pii_columns = {t: sorted(pii[t]) for t in served if pii.get(t)}
    previous = None if full_refresh else _previous_night(spark, mode)
    result.full = previous is None
    since = None if previous is None else min(window[0], previous + dt.timedelta(days=1))
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {SCHEMA}")
    for t in served:
        columns = spark.table(f"{schema}.{t}").columns
        projection = ", ".join(column_expression(c, pii.get(t, {}).get(c), mode) for c in columns)
        part, target = tables[t], f"{SCHEMA}.{t}"
        query = f"SELECT {projection} FROM {schema}.{t}"
        published = set(spark.table(target).columns) if spark.catalog.tableExists(target) else None
        if part is not None and since is not None and published == set(columns):
            rows = spark.sql(to_spark_sql(f"{query} WHERE \"{part}\" >= DATE '{since}' OR \"{part}\" IS NULL"))
            write_table(spark, rows, target, partition_by=part)
        else:
            # Rewritten whole: dropped first, as a partition overwrite keeps the partitions the new rows lack.
            spark.sql(f"DROP TABLE IF EXISTS {target}")
            write_table(spark, spark.sql(to_spark_sql(query)), target, partition_by=part)
        result.rows[t] = spark.table(target).count()
    for t in catalog_tables(spark, SCHEMA) - set(served) - {INFO_TABLE}:
        spark.sql(f"DROP TABLE {SCHEMA}.{t}")  # no longer in the warehouse: not served
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    info = pd.DataFrame([[night, t, n, mode, published_at] for t, n in result.rows.items()],
                        columns=["night", "table_name", "row_count", "pii_mode", "published_at"])
    write_table(spark, spark.createDataFrame(
        info, "night date, table_name string, row_count bigint, pii_mode string, published_at timestamp"),
        f"{SCHEMA}.{INFO_TABLE}")
    return result
