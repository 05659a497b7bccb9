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


# The catalog questions of the Python steps, on a DuckDB connection or on the Spark engine's
# (spark_engine/connection.py), which answers them from Spark's catalog.


def on_duckdb(con) -> bool:
    return isinstance(con, duckdb.DuckDBPyConnection)


def relation_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    """A table or view `schema.name` exists."""
    if not on_duckdb(con):
        return con.table_exists(qualified)
    schema, name = qualified.split(".")
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        ).fetchall()[0][0]
    )


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every table and view of the warehouse as schema.name."""
    if not on_duckdb(con):
        return con.table_names()
    rows = con.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database()"
    ).fetchall()
    return {r[0] for r in rows}


def column_types(con: duckdb.DuckDBPyConnection, qualified: str) -> dict[str, str]:
    """{column: DuckDB type name} of a table."""
    if not on_duckdb(con):
        return con.column_types(qualified)
    schema, name = qualified.split(".")
    return dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchall())


def ddl(table: str, columns: dict[str, str]) -> str:
    cols = ", ".join(f"{name} {sql_type}" for name, sql_type in columns.items())
    return f"CREATE TABLE IF NOT EXISTS {table} ({cols})"
