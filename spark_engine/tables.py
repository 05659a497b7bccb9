"""Writing the Python steps' tables to the Spark catalog as plain Parquet tables."""

from __future__ import annotations

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


def write_table(spark, rows, table: str, partition_by: str | None = None) -> None:
    """Replace `table` (schema.name) with `rows` (a Spark DataFrame, or pandas/Arrow rows on the
    driver); with `partition_by`, only the partitions present in `rows` (dynamic partition
    overwrite), the others stay."""
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {table.split('.')[0]}")
    frame = rows if hasattr(rows, "write") else to_spark(spark, rows)
    if partition_by is None or not spark.catalog.tableExists(table):
        writer = frame.write.format("parquet").mode("overwrite")
        (writer.partitionBy(partition_by) if partition_by else writer).saveAsTable(table)
        return
    # insertInto matches columns by position: the table's order (its partition column last).
    frame.select(*spark.table(table).columns).write.insertInto(table, overwrite=True)
