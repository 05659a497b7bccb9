"""Loads landing files into typed raw tables: one (entity, landing day) at a time.

A partition is replaced as a whole inside one transaction, so re-loading a day is
idempotent and a crash leaves the previous load in place. Every landed row ends in
exactly one place: the raw table (typed) or raw.rejects (with the reason and the raw
row); raw.load_log records the accounting (landed = loaded + rejected) per partition.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from config.contract import LINEAGE_COLUMNS, RAW_SCHEMA, Column, Entity, max_field_chars
from ingest.read import META_COLUMNS, read_landing_file

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
    file_sha256: str | None = None
    # Landing days whose file had exactly this content (a file delivered again under a new date).
    same_file_as: list[dt.date] = field(default_factory=list)


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, entities: list[Entity]) -> None:
    """Create the raw schema and one (possibly empty) table per contract entity."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    for e in entities:
        cols = [f'"{c.name}" {c.sql_type}' for c in e.columns]
        cols += [f"{name} {sql_type}" for name, (sql_type, _) in LINEAGE_COLUMNS.items()]
        con.execute(f"CREATE TABLE IF NOT EXISTS {e.qualified_table} ({', '.join(cols)})")
        # Warehouses made before a lineage column existed get it (NULL for the rows they hold).
        for name, (sql_type, _) in LINEAGE_COLUMNS.items():
            con.execute(f"ALTER TABLE {e.qualified_table} ADD COLUMN IF NOT EXISTS {name} {sql_type}")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {REJECTS_TABLE} (
            source VARCHAR, entity VARCHAR, _partition_date DATE, _source_file VARCHAR,
            _row_number BIGINT, reason VARCHAR, raw_record VARCHAR, _loaded_at TIMESTAMP)"""
    )
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {LOAD_LOG_TABLE} (
            source VARCHAR, entity VARCHAR, _partition_date DATE, _source_file VARCHAR,
            rows_landed BIGINT, rows_loaded BIGINT, rows_rejected BIGINT,
            missing_columns VARCHAR, extra_columns VARCHAR, _loaded_at TIMESTAMP, file_sha256 VARCHAR)"""
    )
    con.execute(f"ALTER TABLE {LOAD_LOG_TABLE} ADD COLUMN IF NOT EXISTS file_sha256 VARCHAR")


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _text_expr(col: Column, fmt: str) -> str:
    """The column's value as trimmed text, or NULL when absent or empty."""
    if fmt == "jsonl":
        return f"nullif(trim(json_extract_string(_obj, {_sql_str('$.' + col.name)})), '')"
    return f"nullif(trim(\"{col.name}\"), '')"


def _cast(text: str, col: Column) -> str:
    # DuckDB rounds '1.5' to the integer 2: an integer column takes digits only.
    if col.type == "integer":
        return f"CASE WHEN regexp_full_match({text}, '[+-]?[0-9]+') THEN TRY_CAST({text} AS BIGINT) END"
    return f"TRY_CAST({text} AS {col.sql_type})"


def typed_select_sql(entity: Entity) -> str:
    """SELECT over the landed text rows: typed columns + `_reject_reason` (NULL = row is good)."""
    fmt = entity.format
    limit = max_field_chars()
    typed, checks = [], []
    for col in entity.columns:
        text = _text_expr(col, fmt)
        typed.append(f'{_cast(text, col)} AS "{col.name}"')
        checks.append(
            f"CASE WHEN length({text}) > {limit} THEN {_sql_str(col.name + ': a value of ')} || length({text}) "
            f"|| {_sql_str(f' characters, more than the limit of {limit}')} END"
        )
        if col.required:
            checks.append(f"CASE WHEN {text} IS NULL THEN {_sql_str(col.name + ': required value missing')} END")
        checks.append(
            f"CASE WHEN {text} IS NOT NULL AND {_cast(text, col)} IS NULL "
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
        # Merge-patching with NULLs removes the contract's keys: what is left is the drift.
        drop_contract = ", ".join(f"{_sql_str(c.name)}, NULL" for c in entity.columns)
        source = (
            f"(SELECT *, CASE WHEN _parse_error IS NULL AND {is_object} THEN _json END AS _obj, "
            f"CASE WHEN _parse_error IS NULL AND NOT {is_object} THEN 'line is not a JSON object' "
            "ELSE _parse_error END AS _row_error FROM _landed)"
        )
        extra = f"nullif(CAST(json_merge_patch(_obj, json_object({drop_contract})) AS VARCHAR), '{{}}')"
        row_error = "_row_error"
        text_row = carried = "_raw"
    else:
        row_error = "_parse_error"
        extra = "_extra"
        # The text as landed, passed along as a struct of the columns (no copy) and rendered as
        # JSON for the rejected rows alone: rendering it for every row was a quarter of the typing.
        fields = ", ".join(f'"{c.name}" := "{c.name}"' for c in entity.columns)
        pairs = ", ".join(f"{_sql_str(c.name)}, _text.\"{c.name}\"" for c in entity.columns)
        as_landed = f"json_merge_patch(json_object({pairs}), coalesce(_extra_columns, '{{}}'))"
        raw = f"coalesce(_raw, CAST({as_landed} AS VARCHAR))"
        text_row, carried = f"_raw, struct_pack({fields}) AS _text", "_raw, _text"
    typed_rows = (
        "SELECT " + ", ".join(typed) + ", _partition_date, _source_file, _row_number, "
        f"{extra} AS _extra_columns, {text_row}, "
        f"coalesce({row_error}, _missing_required, nullif(concat_ws('; ', {', '.join(checks)}), '')) "
        f"AS _reject_reason FROM {source}"
    )
    # A key repeated within one file: its last row is the record, the earlier ones are rejected.
    keys = ", ".join(f'"{k}"' for k in entity.key)
    key_text = " || ', ' || ".join(f"{_sql_str(k + '=')} || \"{k}\"" for k in entity.key)
    deduplicated = (
        "SELECT * REPLACE (coalesce(_reject_reason, CASE WHEN _row_number < max(_row_number) OVER w "
        f"THEN 'duplicate key (' || {key_text} || '): row ' || max(_row_number) OVER w || ' of the file replaces it' "
        f"END) AS _reject_reason) FROM ({typed_rows}) WINDOW w AS (PARTITION BY _partition_date, "
        f"_reject_reason IS NULL, {keys})"
    )
    return (
        f"SELECT * EXCLUDE ({carried}), CASE WHEN _reject_reason IS NOT NULL THEN {raw} END AS _raw_record "
        f"FROM ({deduplicated})"
    )


def _landed_table(entity: Entity, day: dt.date, path: Path, landing_root: Path, result: LoadResult) -> pa.Table:
    """One file as text rows with every contract column (NULL where the file lacks it) and lineage."""
    contract_cols = [c.name for c in entity.columns]
    read = read_landing_file(path, entity.format, contract_cols)
    table = read.table
    missing_required = None
    if entity.format != "jsonl":
        result.missing_columns = [c for c in contract_cols if c not in read.columns_in_file]
        result.extra_columns = [c for c in read.columns_in_file if c not in contract_cols]
        for c in result.missing_columns:
            if c not in table.column_names:  # an unreadable file comes with every column, all NULL
                table = table.append_column(c, pa.nulls(table.num_rows, pa.string()))
        required = [c.name for c in entity.columns if c.required and c.name in result.missing_columns]
        if required:
            missing_required = "; ".join(f"{c}: required column missing from file" for c in required)
        extra = _extra_json(table, result.extra_columns)
        table = table.select(contract_cols + list(META_COLUMNS)).append_column("_extra", extra)
    n = table.num_rows
    return (
        table.append_column("_missing_required", pa.array([missing_required] * n, pa.string()))
        .append_column("_partition_date", pa.array([day] * n, pa.date32()))
        .append_column("_source_file", pa.array([str(path.relative_to(landing_root))] * n, pa.string()))
    )


def _extra_json(table: pa.Table, columns: list[str]) -> pa.Array:
    """Per row, the values of the columns beyond the contract as a JSON object (NULL when none)."""
    if not columns:
        return pa.nulls(table.num_rows, pa.string())
    rows = table.select(columns).to_pylist()
    return pa.array(
        [json.dumps(kept, ensure_ascii=False) if (kept := {k: v for k, v in r.items() if v is not None}) else None
         for r in rows],
        pa.string(),
    )


def in_days(column: str) -> str:
    """`column` is one of the given days; the range first, so DuckDB skips the row groups outside
    it (list_contains alone reads every row of the table). Parameters: days_params(days)."""
    return f"{column} BETWEEN ? AND ? AND list_contains(?, {column})"


def days_params(days: list[dt.date]) -> list:
    return [min(days), max(days), days]


def load_days(
    con: duckdb.DuckDBPyConnection, entity: Entity, days: list[dt.date], landing_root: Path
) -> list[LoadResult]:
    """Replace the raw rows of the given landing days of one entity with their files' content.

    All days are read first and written in one transaction: one set of statements per
    batch instead of per file, which is what makes a year's backfill fast.
    """
    results, tables = [], []
    for day in days:
        path = entity.landing_file(landing_root, day.isoformat())
        result = LoadResult(entity.source, entity.name, day, None)
        if path.exists():
            result.source_file = str(path.relative_to(landing_root))
            result.file_sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
            tables.append(_landed_table(entity, day, path, landing_root, result))
        results.append(result)
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    col_list = ", ".join(f'"{c.name}"' for c in entity.columns)
    where_entity = "source = ? AND entity = ?"

    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {entity.qualified_table} WHERE {in_days('_partition_date')}", days_params(days))
        for table in (REJECTS_TABLE, LOAD_LOG_TABLE):
            con.execute(
                f"DELETE FROM {table} WHERE {where_entity} AND {in_days('_partition_date')}",
                [entity.source, entity.name, *days_params(days)],
            )
        if tables:
            con.register("_landed", pa.concat_tables(tables))
            con.execute(f"CREATE OR REPLACE TEMP TABLE _typed AS {typed_select_sql(entity)}")
            con.unregister("_landed")
            con.execute(
                f"INSERT INTO {entity.qualified_table} ({col_list}, {', '.join(LINEAGE_COLUMNS)}) "
                f"SELECT {col_list}, _partition_date, _source_file, _row_number, TIMESTAMP '{loaded_at}', "
                "_extra_columns FROM _typed WHERE _reject_reason IS NULL"
            )
            con.execute(
                f"INSERT INTO {REJECTS_TABLE} SELECT ?, ?, _partition_date, _source_file, _row_number, "
                f"_reject_reason, _raw_record, TIMESTAMP '{loaded_at}' FROM _typed WHERE _reject_reason IS NOT NULL",
                [entity.source, entity.name],
            )
            by_day = {
                d: (landed, loaded)
                for d, landed, loaded in con.execute(
                    "SELECT _partition_date, count(*), count(*) FILTER (WHERE _reject_reason IS NULL) "
                    "FROM _typed GROUP BY 1"
                ).fetchall()
            }
            reasons: dict[dt.date, dict[str, int]] = {}
            for d, reason, n in con.execute(
                "SELECT _partition_date, _reject_reason, count(*) FROM _typed WHERE _reject_reason IS NOT NULL "
                "GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2"
            ).fetchall():
                reasons.setdefault(d, {})[reason] = n
            drifted: dict[dt.date, list[str]] = {}
            if entity.format == "jsonl":
                for d, key in con.execute(
                    "SELECT DISTINCT _partition_date, unnest(json_keys(_extra_columns)) FROM _typed "
                    "WHERE _extra_columns IS NOT NULL ORDER BY 1, 2"
                ).fetchall():
                    drifted.setdefault(d, []).append(key)
            con.execute("DROP TABLE _typed")
            for r in results:
                r.rows_landed, r.rows_loaded = by_day.get(r.partition_date, (0, 0))
                r.rows_rejected = r.rows_landed - r.rows_loaded
                r.reject_reasons = reasons.get(r.partition_date, {})
                r.extra_columns = r.extra_columns or drifted.get(r.partition_date, [])
        con.executemany(
            f"INSERT INTO {LOAD_LOG_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [r.source, r.entity, r.partition_date, r.source_file, r.rows_landed, r.rows_loaded,
                 r.rows_rejected, ",".join(r.missing_columns), ",".join(r.extra_columns), loaded_at, r.file_sha256]
                for r in results
            ],
        )
        # One query for the batch: one per file was an eighth of a backfill's ingest.
        loaded_on: dict[str, list[dt.date]] = {}
        for sha, d in con.execute(
            f"SELECT file_sha256, _partition_date FROM {LOAD_LOG_TABLE} WHERE {where_entity} "
            "AND list_contains(?, file_sha256) ORDER BY 2",
            [entity.source, entity.name, [r.file_sha256 for r in results if r.file_sha256]],
        ).fetchall():
            loaded_on.setdefault(sha, []).append(d)
        for r in results:
            if r.file_sha256:
                r.same_file_as = [d for d in loaded_on[r.file_sha256] if d != r.partition_date]
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return results


def load_partition(
    con: duckdb.DuckDBPyConnection, entity: Entity, day: dt.date, landing_root: Path
) -> LoadResult:
    """Replace the raw rows of one landing day of one entity with the file's content."""
    return load_days(con, entity, [day], landing_root)[0]


def future_files(entity: Entity, landing_root: Path, today: dt.date) -> list[Path]:
    """Files dated after `today`: no run loads them before their day comes (reported, not lost)."""
    return [entity.landing_file(landing_root, d.isoformat()) for d in landed_days(entity, landing_root) if d > today]


def landed_days(entity: Entity, landing_root: Path) -> list[dt.date]:
    """Landing days present on disk for an entity, in order."""
    folder = entity.landing_dir(landing_root)
    if not folder.exists():
        return []
    days = []
    for f in folder.glob(f"*.{entity.format}"):
        try:
            days.append(dt.date.fromisoformat(f.name[: -len(entity.format) - 1]))
        except ValueError:
            continue
    return sorted(days)
