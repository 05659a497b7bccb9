"""Writing the Python steps' tables to the Spark catalog as plain Parquet tables."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa


def write_table(spark, rows: pd.DataFrame | pa.Table, table: str, partition_by: str | None = None) -> None:
    """Replace `table` (schema.name) with `rows`; with `partition_by`, only the partitions present
    in `rows` (dynamic partition overwrite), the others stay."""
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {table.split('.')[0]}")
    if isinstance(rows, pd.DataFrame):
        rows = pa.Table.from_pandas(rows, preserve_index=False)
    # An all-null column has no type in Arrow and cannot be stored in Parquet: text, as DuckDB would.
    for i, field in enumerate(rows.schema):
        if pa.types.is_null(field.type):
            rows = rows.set_column(i, field.name, rows.column(i).cast(pa.string()))
    frame = spark.createDataFrame(rows)
    if partition_by is None or not spark.catalog.tableExists(table):
        writer = frame.write.format("parquet").mode("overwrite")
        (writer.partitionBy(partition_by) if partition_by else writer).saveAsTable(table)
        return
    # insertInto matches columns by position: the table's order (its partition column last).
    frame.select(*spark.table(table).columns).write.insertInto(table, overwrite=True)
