"""Warehouse helpers of the Python steps: a change is one transaction, so readers see all of it or none."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, **frames: pd.DataFrame) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT (ROLLBACK on error), with `frames` registered as views by their names."""
    for name, frame in frames.items():
        con.register(name, frame)
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in frames:
            con.unregister(name)


def relation_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    """A table or view `schema.name` exists."""
    if hasattr(con, "table_exists"):  # the Spark engine's connection (spark_engine/connection.py)
        return con.table_exists(qualified)
    schema, name = qualified.split(".")
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        ).fetchall()[0][0]
    )


def ddl(table: str, columns: dict[str, str]) -> str:
    cols = ", ".join(f"{name} {sql_type}" for name, sql_type in columns.items())
    return f"CREATE TABLE IF NOT EXISTS {table} ({cols})"
