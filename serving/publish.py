"""Publishes the output tables of a night to the serving file and to Parquet exports.

Readers are never blocked and never see half a night:
- the serving file is built as a new file beside the old one and renamed over it (an atomic
  rename on one file system): a BI tool holding the old file open keeps reading the old night
  from its open file, the next connection sees the new night, and no one writes a file a
  reader holds (DuckDB's lock would make the writer or the reader fail);
- each table's Parquet export is written into a new version directory, and the path BI tools
  read, `exports/<table>`, is a symbolic link swapped to it by one rename. The previous
  version is kept (a reader in the middle of listing it can finish), older ones are removed.
A crash leaves only hidden temporary files, removed by the next publish."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from serving.pii import column_expression

INFO_TABLE = "serving_info"
_VERSIONS = ".versions"


@dataclass
class PublishResult:
    night: dt.date | None
    rows: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    pii_columns: dict[str, list[str]] = field(default_factory=dict)


def _existing(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = ?",
        [schema],
    ).fetchall()
    return {r[0] for r in rows}


def _projection(con, schema: str, table: str, pii: Mapping[str, str], mode: str) -> str:
    cols = [r[0] for r in con.execute(f"DESCRIBE {schema}.{table}").fetchall()]
    return ", ".join(column_expression(c, pii.get(c), mode) for c in cols)


def _clean_leftovers(serving_path: Path, exports_dir: Path) -> None:
    for tmp in serving_path.parent.glob(f".{serving_path.name}.*.tmp*"):
        tmp.unlink(missing_ok=True)
    for tmp in exports_dir.glob(".*.link-tmp"):
        tmp.unlink(missing_ok=True)


def publish(
    con: duckdb.DuckDBPyConnection,
    serving_path: Path,
    exports_dir: Path,
    tables: Mapping[str, str | None],
    pii: Mapping[str, Mapping[str, str]],
    mode: str,
    night: dt.date | None,
    schema: str = "marts",
    keep_versions: int = 2,
) -> PublishResult:
    """Copies `tables` (name → partition date column or None) of `schema` on `con` to the serving
    file and the exports, personal data served per `mode` (serving/pii.py). Tables that do not
    exist (yet) are skipped and listed in the result."""
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    exports_dir.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(serving_path, exports_dir)
    present = _existing(con, schema)
    result = PublishResult(night=night, missing=[t for t in tables if t not in present])
    served = [t for t in tables if t in present]
    projections = {t: _projection(con, schema, t, pii.get(t, {}), mode) for t in served}
    result.pii_columns = {t: sorted(pii[t]) for t in served if pii.get(t)}

    token = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    tmp = serving_path.with_name(f".{serving_path.name}.{token}.tmp")
    alias = f"serving_{uuid.uuid4().hex[:8]}"
    con.execute(f"ATTACH '{tmp}' AS {alias}")
    try:
        for t in served:
            con.execute(f"CREATE TABLE {alias}.main.{t} AS SELECT {projections[t]} FROM {schema}.{t}")
            result.rows[t] = con.execute(f"SELECT count(*) FROM {alias}.main.{t}").fetchall()[0][0]
        con.execute(
            f"CREATE TABLE {alias}.main.{INFO_TABLE} (night DATE, table_name VARCHAR, row_count BIGINT, "
            "pii_mode VARCHAR, published_at TIMESTAMP)"
        )
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        con.executemany(
            f"INSERT INTO {alias}.main.{INFO_TABLE} VALUES (?, ?, ?, ?, ?)",
            [[night, t, result.rows[t], mode, now] for t in served],
        )
        con.execute(f"CHECKPOINT {alias}")
    finally:
        con.execute(f"DETACH {alias}")
    try:
        _export(con, schema, served, projections, tables, exports_dir, token, keep_versions)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, serving_path)
    return result


def _export(con, schema, served, projections, tables, exports_dir: Path, token: str, keep_versions: int) -> None:
    """Writes every table's new version first, then swaps the links: the exports of a night
    become visible together, after all of them were written."""
    new_dirs = {}
    for t in served:
        target = exports_dir / _VERSIONS / t / token
        target.parent.mkdir(parents=True, exist_ok=True)
        query = f"SELECT {projections[t]} FROM {schema}.{t}"
        partition = tables[t]
        if partition:
            con.execute(f"COPY ({query}) TO '{target}' (FORMAT parquet, PARTITION_BY ({partition}))")
            target.mkdir(exist_ok=True)  # an empty table writes no partition
        else:
            target.mkdir()
            con.execute(f"COPY ({query}) TO '{target / (t + '.parquet')}' (FORMAT parquet)")
        new_dirs[t] = target
    for t, target in new_dirs.items():
        link = exports_dir / t
        tmp_link = exports_dir / f".{t}.link-tmp"
        tmp_link.unlink(missing_ok=True)
        tmp_link.symlink_to(target.relative_to(exports_dir), target_is_directory=True)
        os.replace(tmp_link, link)
        versions = sorted(p for p in target.parent.iterdir() if p.is_dir())
        for old in versions[:-keep_versions]:
            shutil.rmtree(old, ignore_errors=True)


def read_night(serving_path: Path) -> tuple[dt.date | None, dict[str, int]]:
    """The night a serving file holds and its tables' row counts as published (for checks and tests)."""
    with duckdb.connect(str(serving_path), read_only=True) as con:
        rows = con.execute(f"SELECT night, table_name, row_count FROM {INFO_TABLE}").fetchall()
    nights = {r[0] for r in rows}
    return (nights.pop() if len(nights) == 1 else None), {r[1]: r[2] for r in rows}
