"""Writing the Python steps' tables to the Spark catalog as plain Parquet tables."""

from __future__ import annotations

import datetime as dt
import decimal

import pandas as pd
import pyarrow as pa


def to_spark(spark, rows: pd.DataFrame | pa.Table):
    """A Spark DataFrame of rows held by the driver."""
    if isinstance(rows, pd.DataFrame):
        rows = pa.Table.from_pandas(rows, preserve_index=False)
    # An all-null column has no type in Arrow and cannot be stored in Parquet: text, as DuckDB would.
    for i, field in enumerate(rows.schema):
        if pa.types.is_null(field.type):
            rows = rows.set_column(i, field.name, rows.column(i).cast(pa.string()))
    return spark.createDataFrame(rows)


def write_table(spark, rows, table: str, partition_by: str | list[str] | None = None) -> None:
    """Replace `table` (schema.name) with `rows` (a Spark DataFrame, or pandas/Arrow rows on the
    driver); with `partition_by` (a column or columns), only the partitions present in `rows`
    (dynamic partition overwrite), the others stay."""
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {table.split('.')[0]}")
    frame = rows if hasattr(rows, "write") else to_spark(spark, rows)
    if partition_by is None or not spark.catalog.tableExists(table):
        writer = frame.write.format("parquet").mode("overwrite")
        columns = [partition_by] if isinstance(partition_by, str) else partition_by
        (writer.partitionBy(*columns) if columns else writer).saveAsTable(table)
        return
    # insertInto matches columns by position: the table's order (its partition column last).
    frame.select(*spark.table(table).columns).write.insertInto(table, overwrite=True)


def catalog_tables(spark, schema: str) -> set[str]:
    """The tables of `schema`, not the session's temporary views (splink leaves some)."""
    return {t.name for t in spark.catalog.listTables(schema) if not t.isTemporary}


def replace_rows(spark, table: str, rows: pd.DataFrame, key: list[str], schema: str | None = None,
                 partition_by: str | None = None) -> None:
    """Store `rows` in a small table, replacing the stored rows of the same `key` (the DuckDB
    steps' DELETE + INSERT): the stored rows are read, merged on the driver and written back,
    only the partitions `rows` touch when the table is partitioned. `schema`: Spark DDL of a new table."""
    if spark.catalog.tableExists(table):
        stored = spark.table(table)
        if partition_by:
            stored = stored.where(stored[partition_by].isin(sorted(set(rows[partition_by]))))
        stored = stored.toPandas()
        kept = stored[~pd.MultiIndex.from_frame(stored[key]).isin(pd.MultiIndex.from_frame(rows[key]))]
        rows = pd.concat([kept[list(rows.columns)].astype(rows.dtypes.to_dict()), rows], ignore_index=True)
    write_table(spark, spark.createDataFrame(rows, schema) if schema else rows, table, partition_by)


def ensure_table(spark, table: str, columns: dict[str, str], partition_by: str | None = None) -> None:
    """Create `table` empty, with `columns` ({name: DuckDB type}), unless it exists (as the DuckDB
    steps' CREATE TABLE IF NOT EXISTS)."""
    if not spark.catalog.tableExists(table):
        write_table(spark, spark.createDataFrame([], spark_schema(columns)), table, partition_by)


# DuckDB type names (ml/*/tables.py, ml/nbo/run.py) in Spark's words.
SPARK_TYPES = {"VARCHAR": "string", "DOUBLE": "double", "BOOLEAN": "boolean", "DATE": "date",
               "TIMESTAMP": "timestamp", "BIGINT": "bigint", "INTEGER": "int"}


def spark_schema(columns: dict[str, str]) -> str:
    """A Spark DDL schema of columns given as {name: DuckDB type}."""
    return ", ".join(f"{name} {SPARK_TYPES[sql_type]}" for name, sql_type in columns.items())


def like_duckdb(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows from Spark typed as DuckDB's .df() gives them to the shared Python code: dates as
    datetime64 (Spark gives datetime.date objects) and decimals as floats."""
    for name in frame.columns:
        values = frame[name].dropna()
        if len(values) and frame[name].dtype == object:
            first = values.iloc[0]
            if isinstance(first, dt.date) and not isinstance(first, dt.datetime):
                frame[name] = pd.to_datetime(frame[name])
            elif isinstance(first, decimal.Decimal):
                frame[name] = frame[name].astype("float64")
    return frame


def read_frame(spark, sql: str, args: list | None = None) -> pd.DataFrame:
    """A query's rows on the driver, typed as DuckDB gives them (like_duckdb)."""
    return like_duckdb(spark.sql(sql, args=args).toPandas())
