"""Loads landing files into typed raw tables: one (entity, landing day) at a time.

A partition is replaced as a whole inside one transaction, so re-loading a day is
idempotent and a crash leaves the previous load in place. Every landed row ends in
exactly one place: the raw table (typed) or raw.rejects (with the reason and the raw
row); raw.load_log records the accounting (landed = loaded + rejected) per partition.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from config.contract import LINEAGE_COLUMNS, RAW_SCHEMA, Column, Entity
from ingest.read import read_landing_file

REJECTS_TABLE = f"{RAW_SCHEMA}.rejects"
LOAD_LOG_TABLE = f"{RAW_SCHEMA}.load_log"


@dataclass
class LoadResult:
    source: str
    entity: str
    partition_date: dt.date
    source_file: str | None
    rows_landed: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    missing_columns: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, entities: list[Entity]) -> None:
    """Create the raw schema and one (possibly empty) table per contract entity."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    for e in entities:
        cols = [f'"{c.name}" {c.sql_type}' for c in e.columns]
        cols += [f"{name} {sql_type}" for name, (sql_type, _) in LINEAGE_COLUMNS.items()]
        con.execute(f"CREATE TABLE IF NOT EXISTS {e.qualified_table} ({', '.join(cols)})")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {REJECTS_TABLE} (
            source VARCHAR, entity VARCHAR, _partition_date DATE, _source_file VARCHAR,
            _row_number BIGINT, reason VARCHAR, raw_record VARCHAR, _loaded_at TIMESTAMP)"""
    )
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {LOAD_LOG_TABLE} (
            source VARCHAR, entity VARCHAR, _partition_date DATE, _source_file VARCHAR,
            rows_landed BIGINT, rows_loaded BIGINT, rows_rejected BIGINT,
            missing_columns VARCHAR, extra_columns VARCHAR, _loaded_at TIMESTAMP)"""
    )


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _text_expr(col: Column, fmt: str, present: set[str]) -> str:
    """The column's value as trimmed text, or NULL when absent or empty."""
    if fmt == "jsonl":
        return f"nullif(trim(json_extract_string(_obj, {_sql_str('$.' + col.name)})), '')"
    if col.name not in present:
        return "CAST(NULL AS VARCHAR)"
    return f"nullif(trim(\"{col.name}\"), '')"


def typed_select_sql(entity: Entity, fmt: str, present: set[str]) -> str:
    """SELECT over the landed text rows: typed columns + `_reject_reason` (NULL = row is good)."""
    typed, checks = [], []
    for col in entity.columns:
        text = _text_expr(col, fmt, present)
        typed.append(f'TRY_CAST({text} AS {col.sql_type}) AS "{col.name}"')
        if fmt != "jsonl" and col.name not in present and col.required:
            checks.append(_sql_str(f"{col.name}: required column missing from file"))
            continue
        if col.required:
            checks.append(f"CASE WHEN {text} IS NULL THEN {_sql_str(col.name + ': required value missing')} END")
        checks.append(
            f"CASE WHEN {text} IS NOT NULL AND TRY_CAST({text} AS {col.sql_type}) IS NULL "
            f"THEN {_sql_str(col.name + ': ')} || left({text}, 40) || {_sql_str(' is not a ' + col.type)} END"
        )
        if col.values:
            allowed = ", ".join(_sql_str(v) for v in col.values)
            checks.append(
                f"CASE WHEN {text} IS NOT NULL AND {text} NOT IN ({allowed}) "
                f"THEN {_sql_str(col.name + ': ')} || left({text}, 40) || {_sql_str(' is not an allowed value')} END"
            )
    source = "_landed"
    if fmt == "jsonl":
        raw = "_raw"
        # Invalid JSON must never reach json_extract_string, which raises on it.
        is_object = "coalesce(try(json_type(_json)) = 'OBJECT', false)"
        source = (
            f"(SELECT *, CASE WHEN _parse_error IS NULL AND {is_object} THEN _json END AS _obj, "
            f"CASE WHEN _parse_error IS NULL AND NOT {is_object} THEN 'line is not a JSON object' "
            "ELSE _parse_error END AS _row_error FROM _landed)"
        )
        row_error = "_row_error"
    else:
        row_error = "_parse_error"
        pairs = ", ".join(f"{_sql_str(c)}, \"{c}\"" for c in sorted(present))
        raw = f"coalesce(_raw, CAST(json_object({pairs}) AS VARCHAR))" if pairs else "_raw"
    return (
        "SELECT " + ", ".join(typed) + ", _row_number, "
        f"{raw} AS _raw_record, coalesce({row_error}, nullif(concat_ws('; ', {', '.join(checks)}), '')) "
        f"AS _reject_reason FROM {source}"
    )


def load_partition(
    con: duckdb.DuckDBPyConnection, entity: Entity, day: dt.date, landing_root: Path
) -> LoadResult:
    """Replace the raw rows of one landing day of one entity with the file's content."""
    path = entity.landing_file(landing_root, day.isoformat())
    rel = str(path.relative_to(landing_root)) if path.exists() else None
    result = LoadResult(entity.source, entity.name, day, rel)
    contract_cols = [c.name for c in entity.columns]
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    lineage = f"DATE '{day.isoformat()}', {_sql_str(rel or '')}, _row_number, TIMESTAMP '{loaded_at}'"
    col_list = ", ".join(f'"{c}"' for c in contract_cols)

    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {entity.qualified_table} WHERE _partition_date = ?", [day])
        con.execute(
            f"DELETE FROM {REJECTS_TABLE} WHERE source = ? AND entity = ? AND _partition_date = ?",
            [entity.source, entity.name, day],
        )
        con.execute(
            f"DELETE FROM {LOAD_LOG_TABLE} WHERE source = ? AND entity = ? AND _partition_date = ?",
            [entity.source, entity.name, day],
        )
        if path.exists():
            read = read_landing_file(path, entity.format, contract_cols)
            if entity.format != "jsonl":
                result.missing_columns = [c for c in contract_cols if c not in read.columns_in_file]
                result.extra_columns = [c for c in read.columns_in_file if c not in contract_cols]
            present = set(read.columns_in_file) & set(contract_cols)
            con.register("_landed", read.table)
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _typed AS {typed_select_sql(entity, entity.format, present)}"
            )
            con.unregister("_landed")
            con.execute(
                f"INSERT INTO {entity.qualified_table} ({col_list}, {', '.join(LINEAGE_COLUMNS)}) "
                f"SELECT {col_list}, {lineage} FROM _typed WHERE _reject_reason IS NULL"
            )
            con.execute(
                f"INSERT INTO {REJECTS_TABLE} SELECT {_sql_str(entity.source)}, {_sql_str(entity.name)}, "
                f"DATE '{day.isoformat()}', {_sql_str(rel)}, _row_number, _reject_reason, _raw_record, "
                f"TIMESTAMP '{loaded_at}' FROM _typed WHERE _reject_reason IS NOT NULL"
            )
            counts = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE _reject_reason IS NULL) FROM _typed"
            ).fetchall()[0]
            result.rows_landed, result.rows_loaded = counts
            result.rows_rejected = result.rows_landed - result.rows_loaded
            result.reject_reasons = dict(
                con.execute(
                    "SELECT _reject_reason, count(*) FROM _typed WHERE _reject_reason IS NOT NULL "
                    "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"
                ).fetchall()
            )
            con.execute("DROP TABLE _typed")
        con.execute(
            f"INSERT INTO {LOAD_LOG_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                entity.source, entity.name, day, rel, result.rows_landed, result.rows_loaded,
                result.rows_rejected, ",".join(result.missing_columns), ",".join(result.extra_columns), loaded_at,
            ],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return result


def landed_days(entity: Entity, landing_root: Path) -> list[dt.date]:
    """Landing days present on disk for an entity, in order."""
    folder = entity.landing_dir(landing_root)
    if not folder.exists():
        return []
    days = []
    for f in folder.glob(f"*.{entity.extension}"):
        try:
            days.append(dt.date.fromisoformat(f.name[: -len(entity.extension) - 1]))
        except ValueError:
            continue
    return sorted(days)
