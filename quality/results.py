"""quality.validation_results: one row per expectation or dbt test evaluated, per run, so that
data quality over time can be charted (failures by check, asset and day)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import astuple, dataclass

import duckdb

RESULTS_TABLE = "quality.validation_results"


@dataclass(frozen=True)
class ValidationRow:
    check_name: str  # the Dagster asset check
    asset: str  # asset key, e.g. raw/sales/orders
    partition: str  # the run's landing day or 'first..last'
    expectation: str  # GX expectation and column, or the dbt test
    severity: str  # error | warn
    passed: bool
    observed_value: str
    rows_validated: int | None
    run_id: str


def ensure_results_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {RESULTS_TABLE} (
            check_name VARCHAR, asset VARCHAR, partition VARCHAR, expectation VARCHAR, severity VARCHAR,
            passed BOOLEAN, observed_value VARCHAR, rows_validated BIGINT, run_id VARCHAR, checked_at TIMESTAMP)"""
    )


def record_results(con: duckdb.DuckDBPyConnection, rows: Iterable[ValidationRow]) -> int:
    """Stores a check's results; a retried step replaces what its earlier attempt stored."""
    rows = list(rows)
    if not rows:
        return 0
    ensure_results_table(con)
    checked_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    con.execute("BEGIN TRANSACTION")
    try:
        for check_name, asset, run_id in sorted({(r.check_name, r.asset, r.run_id) for r in rows}):
            con.execute(
                f"DELETE FROM {RESULTS_TABLE} WHERE check_name = ? AND asset = ? AND run_id = ?",
                [check_name, asset, run_id],
            )
        con.executemany(
            f"INSERT INTO {RESULTS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[*astuple(r), checked_at] for r in rows],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return len(rows)
