"""Ingestion for the Spark engine: landing files → raw.* as Parquet tables partitioned by landing day.

Reading, typing against the contract and rejecting rows is ingest/load.py's code, run on a
small in-memory DuckDB per batch of days; only the typed result moves to Spark, where each
landing day is one Parquet partition replaced as a whole (dynamic partition overwrite), so
re-loading a day is idempotent as on DuckDB.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from config.contract import entities
from ingest.load import LOAD_LOG_TABLE, REJECTS_TABLE, ensure_raw_tables, load_days
from ml.identity.duck import connect
from spark_engine.tables import write_table

PARTITION_COLUMN = "_partition_date"


def load_raw(spark, days: list[dt.date], landing_root: Path) -> dict[str, int]:
    """Load the given landing days of every contract entity; returns rows loaded per raw table."""
    contract = entities()
    loaded: dict[str, int] = {}
    con = connect()
    try:
        ensure_raw_tables(con, contract)
        for entity in contract:
            load_days(con, entity, days, landing_root)
        for table in [e.qualified_table for e in contract] + [REJECTS_TABLE, LOAD_LOG_TABLE]:
            rows = con.execute(f"SELECT * FROM {table}").fetch_arrow_table()
            loaded[table] = rows.num_rows
            if rows.num_rows or not spark.catalog.tableExists(table):
                write_table(spark, rows, table, partition_by=PARTITION_COLUMN)
    finally:
        con.close()
    return loaded
