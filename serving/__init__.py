"""The serving layer for BI tools: a read-only DuckDB file and Parquet exports, swapped in atomically.

Plain Python (no Dagster): the `serving/publish` asset calls `publish()`."""
