"""Ingestion for the Spark engine: landing files → raw.* as Parquet tables partitioned by landing day.

Reading, typing against the contract and rejecting rows is ingest/load.py's code, run on a
small in-memory DuckDB per batch of days; only the typed result moves to Spark, where each
landing day is one Parquet partition replaced as a whole (dynamic partition overwrite), so
re-loading a day is idempotent as on DuckDB. The rejects and the load log, shared by every
entity, are partitioned by entity too: one entity's load leaves the others' rows alone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from config.contract import Entity
from ingest.load import LOAD_LOG_TABLE, REJECTS_TABLE, LoadResult, ensure_raw_tables, load_days
from ml.identity.duck import connect
from spark_engine.tables import write_table

PARTITION_COLUMN = "_partition_date"
SHARED_PARTITIONS = ["source", "entity", PARTITION_COLUMN]


def load_entity(spark, entity: Entity, days: list[dt.date], landing_root: Path) -> list[LoadResult]:
    """Replace the given landing days of one entity in raw.* (and its rejects and load log)."""
    con = connect()
    try:
        ensure_raw_tables(con, [entity])
        results = load_days(con, entity, days, landing_root)
        for table, partitions in ((entity.qualified_table, [PARTITION_COLUMN]), (REJECTS_TABLE, SHARED_PARTITIONS),
                                  (LOAD_LOG_TABLE, SHARED_PARTITIONS)):
            rows = con.execute(f"SELECT * FROM {table}").fetch_arrow_table()
            if rows.num_rows or not spark.catalog.tableExists(table):
                write_table(spark, rows, table, partition_by=partitions)
    finally:
        con.close()
    return results
