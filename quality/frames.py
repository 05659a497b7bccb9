"""The frames the suites validate, read from the warehouse: aggregated or sampled in DuckDB so
that a nightly run at a million customers moves little data into pandas."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from config.contract import LINEAGE_COLUMNS, Entity
from ingest.load import days_params, in_days
from ml.warehouse import column_types, on_duckdb
from quality.expectations import KNOWN_BY, raw_plausibility_columns, raw_rows_columns

SAMPLE_SEED = 42


def _sampled(con: duckdb.DuckDBPyConnection, sql: str, params: list, max_rows: int) -> pd.DataFrame:
    """The query's rows, or a seeded reservoir sample of max_rows of them."""
    n = con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0]
    if n > max_rows and not on_duckdb(con):  # Spark samples tables only: a seeded shuffle
        sql = f"SELECT * FROM ({sql}) ORDER BY hash(*, {SAMPLE_SEED}) LIMIT {int(max_rows)}"
    elif n > max_rows:
        sql = f"SELECT * FROM ({sql}) USING SAMPLE reservoir({int(max_rows)} ROWS) REPEATABLE ({SAMPLE_SEED})"
    return con.execute(sql, params).df()


def schema_frame(con: duckdb.DuckDBPyConnection, entity: Entity) -> pd.DataFrame:
    """One row per column of the contract or of the raw table: expected and actual SQL type."""
    expected = pd.DataFrame(
        [(c.name, c.sql_type) for c in entity.columns] + [(n, t) for n, (t, _) in LINEAGE_COLUMNS.items()],
        columns=["column_name", "expected_type"],
    )
    actual = pd.DataFrame(column_types(con, entity.qualified_table).items(), columns=["column_name", "actual_type"])
    return expected.merge(actual, on="column_name", how="outer").sort_values("column_name", ignore_index=True)


def raw_rows_frame(
    con: duckdb.DuckDBPyConnection, entity: Entity, days: list[dt.date], max_rows: int
) -> pd.DataFrame:
    """The run's landing days of a raw table: the columns the row and plausibility suites read."""
    cols = list(dict.fromkeys(raw_rows_columns(entity) + raw_plausibility_columns(entity)))
    types = {c.name: c.type for c in entity.columns}
    select = [f'CAST("{c}" AS TIMESTAMP) AS "{c}"' if types[c] == "date" else f'"{c}"' for c in cols]
    sql = (
        f"SELECT {', '.join(select)}, _partition_date, "
        f"CAST(_partition_date + INTERVAL 1 DAY AS TIMESTAMP) AS {KNOWN_BY} "
        f"FROM {entity.qualified_table} WHERE {in_days('_partition_date')}"
    )
    return _sampled(con, sql, days_params(days), max_rows)


def volume_frame(
    con: duckdb.DuckDBPyConnection, entity: Entity, days: list[dt.date], volume: dict
) -> pd.DataFrame:
    """Per run day with a file: rows landed and the band of the previous days with a file (the
    load log holds a row per day: the median is taken here, as Spark has no windowed median)."""
    history = int(volume["history_days"])
    log = con.execute(
        "SELECT _partition_date AS day, rows_landed FROM raw.load_log WHERE source = ? AND entity = ? "
        "AND _source_file IS NOT NULL AND _partition_date BETWEEN ? AND ? ORDER BY 1",
        [entity.source, entity.name, min(days) - dt.timedelta(days=history), max(days)],
    ).df()
    log["day"] = pd.to_datetime(log["day"])
    # Per day, the days with a file in [day - history, day): DuckDB's RANGE window, in pandas.
    recent = log.set_index("day")["rows_landed"].rolling(f"{history}D", closed="left")
    log["recent_median"] = recent.median().to_numpy()
    has_band = (log["recent_median"] >= volume["min_median_rows"]) & (
        recent.count().fillna(0).to_numpy() >= int(volume["min_history_days"]))
    log["band_low"] = (log["recent_median"] * volume["low"]).where(has_band)
    log["band_high"] = (log["recent_median"] * volume["high"]).where(has_band)
    return log[log["day"].dt.date.isin(set(days))].reset_index(drop=True)


def integrity_frame(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    key: list[str],
    where: str = "TRUE",
    params: list | None = None,
    expected_rows_sql: str | None = None,
) -> pd.DataFrame:
    """One summary row: rows, distinct keys, rows with a NULL key part, customers unknown to
    dim_customer (and, if given, the row count to expect). `relation` and `key` are project
    constants, never user input."""
    keys = ", ".join(key)
    nulls = " OR ".join(f"{k} IS NULL" for k in key)
    expected = f", ({expected_rows_sql}) AS expected_rows" if expected_rows_sql else ""
    columns = ", ".join(dict.fromkeys([*key, "customer_id"]))
    return con.execute(
        f"""
        WITH t AS (SELECT {columns} FROM {relation} WHERE {where})
        SELECT count(*) AS rows, count(DISTINCT ({keys})) AS distinct_keys,
               count(*) FILTER (WHERE {nulls}) AS null_keys,
               (SELECT count(DISTINCT t.customer_id) FROM t
                ANTI JOIN marts.dim_customer d USING (customer_id)) AS unknown_customers
               {expected}
        FROM t
        """,
        params or [],
    ).df()


def customer_360_scores_frame(con: duckdb.DuckDBPyConnection, max_rows: int) -> pd.DataFrame:
    return _sampled(con, "SELECT engagement_score, experience_score FROM marts.customer_360", [], max_rows)


def cx_kpis_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    # One row per day: small at any number of customers.
    return con.execute("SELECT * FROM marts.cx_kpis_daily").df()
