"""Publishes the output tables of a night to the serving file and to Parquet exports.

Readers are never blocked and never see half a night:
- the serving file is built as a new file beside the old one and renamed over it (an atomic
  rename on one file system): a BI tool holding the old file open keeps reading the old night
  from its open file, the next connection sees the new night, and no one writes a file a
  reader holds (DuckDB's lock would make the writer or the reader fail);
- each table's Parquet export is written into a new version directory, and the path BI tools
  read, `exports/<table>`, is a symbolic link swapped to it by one rename (serving/exports.py).
  The previous version is kept (a reader in the middle of listing it can finish), older ones
  are removed.
A crash leaves only hidden temporary files, removed by the next publish.

A night costs what it changes, not what history holds. The new serving file is the standby:
the publication before the current one, kept aside as a hidden hard link when the current one
was swapped in, and updated in place where the two nights since it reach (serving/reach.py).
No reader can have it open unless it opened it before that swap and still holds it; DuckDB's
lock then refuses the write, and the new file starts as a byte copy of the current one instead.
In both, as in the exports (which build on the current publication), only the partitions of
the daily tables the night can have changed are replaced; the small current-state tables are
rewritten whole. The first publish, a full refresh, or a previous file of another pii mode or
layout rewrites everything. Either way the result is the same tables, row for row, so
re-running a night gives the same publication."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from serving.exports import clean_leftovers, layout, write_exports
from serving.pii import column_expression
from serving.reach import EVERYTHING, Reach, forget, night_reach

INFO_TABLE = "serving_info"


@dataclass
class PublishResult:
    night: dt.date | None
    rows: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    pii_columns: dict[str, list[str]] = field(default_factory=dict)
    full: bool = True  # False: built on the previous publication
    built_in: str = "a new file"  # or the standby, or a copy of the current file


def _existing(con: duckdb.DuckDBPyConnection, schema: str, catalog: str | None = None) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = coalesce(?, current_database()) "
        "AND table_schema = ?",
        [catalog, schema],
    ).fetchall()
    return {r[0] for r in rows}


def _projection(con, schema: str, table: str, pii: Mapping[str, str], mode: str) -> str:
    cols = [r[0] for r in con.execute(f"DESCRIBE {schema}.{table}").fetchall()]
    return ", ".join(column_expression(c, pii.get(c), mode) for c in cols)


def _clean_leftovers(serving_path: Path) -> None:
    for tmp in serving_path.parent.glob(f".{serving_path.name}.*.tmp*"):
        tmp.unlink(missing_ok=True)


@dataclass
class _Previous:
    night: dt.date
    export_version: str
    export_layout: str | None
    # The first partition the run that published it could have changed since the publication
    # before (None: it rewrote everything).
    changed_since: dt.date | None = None


def _previous(con: duckdb.DuckDBPyConnection, alias: str, mode: str) -> _Previous | None:
    """The publication in catalog `alias` if a night can build on it: one night, same pii mode."""
    try:
        cursor = con.execute(f"SELECT DISTINCT * EXCLUDE (table_name, row_count, published_at) "
                             f"FROM {alias}.main.{INFO_TABLE}")
    except duckdb.Error:
        return None  # no serving_info
    rows = [dict(zip([d[0] for d in cursor.description], r)) for r in cursor.fetchall()]
    if len(rows) != 1 or rows[0]["night"] is None or rows[0]["pii_mode"] != mode or not rows[0].get("export_version"):
        return None  # none, or from before the incremental publish
    return _Previous(rows[0]["night"], rows[0]["export_version"], rows[0].get("export_layout"),
                     rows[0].get("changed_since"))


def _since(window_start: dt.date, previous: _Previous) -> dt.date:
    """The first partition a run can have changed since the publication `previous`: the run's
    first landing day, or the day after that publication's night if earlier (a night whose
    publish did not run is caught up, not skipped)."""
    return min(window_start, previous.night + dt.timedelta(days=1))


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
    window: tuple[dt.date, dt.date] | None = None,
    full_refresh: bool = False,
    record_files: int = 1,
) -> PublishResult:
    """Copies `tables` (name → partition date column or None) of `schema` on `con` to the serving
    file and the exports, personal data served per `mode` (serving/pii.py). Tables that do not
    exist (yet) are skipped and listed in the result.

    With `window`, the run's first and last landing day, the publication builds on the previous
    one: only the partitions the night can have changed (serving/reach.py) are rewritten. Without
    it, with `full_refresh`, or when there is no usable previous publication, all is rewritten.
    `record_files`: the files a partition of a table naming the person-record is exported in
    (serving/exports.py)."""
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    exports_dir.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(serving_path)
    clean_leftovers(exports_dir)
    present = _existing(con, schema)
    result = PublishResult(night=night, missing=[t for t in tables if t not in present])
    served = [t for t in tables if t in present]
    queries = {t: f"SELECT {_projection(con, schema, t, pii.get(t, {}), mode)} FROM {schema}.{t}" for t in served}
    result.pii_columns = {t: sorted(pii[t]) for t in served if pii.get(t)}

    # Names sort by time (old versions are removed by name order), to the microsecond: publishes
    # within one second (a quick re-run) must not be ordered by their random suffix.
    version = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
    tmp = serving_path.with_name(f".{serving_path.name}.{version}.tmp")
    alias = f"serving_{uuid.uuid4().hex[:8]}"
    current_alias = f"current_{uuid.uuid4().hex[:8]}"
    try:
        current = changed_since = None
        if window is not None and not full_refresh and serving_path.exists():
            con.execute(f"ATTACH '{serving_path}' AS {current_alias} (READ_ONLY)")  # as a reader would
            current = _previous(con, current_alias, mode)
        if current is None:
            con.execute(f"ATTACH '{tmp}' AS {alias}")
            reach = exports_reach = {t: EVERYTHING for t in served}
        else:
            result.full = False
            changed_since = _since(window[0], current)
            standby_since = _open_base(con, serving_path, tmp, alias, mode, current, changed_since)
            result.built_in = "a copy of the current file" if standby_since is None else "the standby"
            # the exports build on the current publication, the serving file maybe on the standby
            reach = exports_reach = night_reach(con, current_alias, schema, tables, served, queries, changed_since,
                                                record_files)
            if standby_since is not None:
                reach = night_reach(con, alias, schema, tables, served, queries, standby_since)
        con.execute(f"DETACH DATABASE IF EXISTS {current_alias}")
        # One transaction: one commit, where a commit per statement checkpoints the file again and again.
        con.execute("BEGIN")
        for t in served:
            _write_table(con, alias, t, queries[t], tables[t], reach[t])
            result.rows[t] = con.execute(f"SELECT count(*) FROM {alias}.main.{t}").fetchall()[0][0]
        for t in _existing(con, "main", catalog=alias) - set(served):
            con.execute(f"DROP TABLE {alias}.main.{t}")  # no longer in the warehouse: not served
        _write_info(con, alias, night, mode, version, layout(record_files), changed_since, result.rows)
        con.execute("COMMIT")
        con.execute(f"CHECKPOINT {alias}")
        con.execute(f"DETACH {alias}")
        exports_base = current.export_version if current and current.export_layout == layout(record_files) else None
        write_exports(con, queries, tables, exports_reach, exports_base, exports_dir, version, keep_versions,
                      record_files)
    except BaseException:
        with contextlib.suppress(duckdb.TransactionException):  # none open: failed before or after
            con.execute("ROLLBACK")
        for catalog in (alias, current_alias):
            con.execute(f"DETACH DATABASE IF EXISTS {catalog}")
        tmp.unlink(missing_ok=True)
        raise
    finally:
        forget(con)
    standby = _standby(serving_path)
    standby.unlink(missing_ok=True)
    if serving_path.exists():
        os.link(serving_path, standby)  # the next night's file; readers of it finish on their open handle
    os.replace(tmp, serving_path)
    return result


def _standby(serving_path: Path) -> Path:
    return serving_path.with_name(f".{serving_path.name}.standby")


def _open_base(con, serving_path: Path, tmp: Path, alias: str, mode: str, current: _Previous,
               changed_since: dt.date) -> dt.date | None:
    """Attaches as `alias`, at path `tmp`, the file the night is written in: the standby, if it
    is usable, no reader holds it, and it is behind the warehouse by at most one day of
    partitions more than the current publication, which differs from `changed_since` on (after
    a backfill the standby is a whole backfill behind); else a copy of the current file. Returns
    the first partition the standby can differ in (the night's and those the current
    publication changed), None for the copy."""
    standby = _standby(serving_path)
    if standby.exists() and os.path.samefile(standby, serving_path):
        standby.unlink()  # a publish stopped between linking and swapping: that is the current file
    if standby.exists() and current.changed_since is not None:
        os.replace(standby, tmp)
        try:
            con.execute(f"ATTACH '{tmp}' AS {alias}")
        except duckdb.IOException:
            tmp.unlink()  # a reader still holds it (it keeps its handle)
        else:
            previous = _previous(con, alias, mode)
            if previous is not None:
                since = min(changed_since, _since(current.changed_since, previous))
                if since >= changed_since - dt.timedelta(days=1):
                    return since
            con.execute(f"DETACH {alias}")
            tmp.unlink()
    # A file copy, not a re-encoding of every row; the copy is then changed where the night reaches.
    shutil.copyfile(serving_path, tmp)
    con.execute(f"ATTACH '{tmp}' AS {alias}")
    return None


def _write_table(con, alias: str, table: str, query: str, partition: str | None, reach: Reach) -> None:
    """Rewrites the rows of `table` that `reach` covers: all, or the reached partitions."""
    target = f"{alias}.main.{table}"
    if reach.since is None or partition is None:
        con.execute(f"DROP TABLE IF EXISTS {target}")
        con.execute(f"CREATE TABLE {target} AS {query}")
        return
    where = reach.predicate(partition, by_row=True)
    con.execute(f"DELETE FROM {target} WHERE {where}")
    con.execute(f"INSERT INTO {target} {query} WHERE {where}")


def _write_info(con, alias: str, night, mode: str, version: str, export_layout: str, changed_since,
                rows: Mapping[str, int]) -> None:
    con.execute(f"DROP TABLE IF EXISTS {alias}.main.{INFO_TABLE}")
    con.execute(
        f"CREATE TABLE {alias}.main.{INFO_TABLE} (night DATE, table_name VARCHAR, row_count BIGINT, "
        "pii_mode VARCHAR, published_at TIMESTAMP, export_version VARCHAR, export_layout VARCHAR, changed_since DATE)"
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.executemany(
        f"INSERT INTO {alias}.main.{INFO_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [[night, t, n, mode, now, version, export_layout, changed_since] for t, n in rows.items()],
    )


def read_night(serving_path: Path) -> tuple[dt.date | None, dict[str, int]]:
    """The night a serving file holds and its tables' row counts as published (for checks and tests)."""
    with duckdb.connect(str(serving_path), read_only=True) as con:
        rows = con.execute(f"SELECT night, table_name, row_count FROM {INFO_TABLE}").fetchall()
    nights = {r[0] for r in rows}
    return (nights.pop() if len(nights) == 1 else None), {r[1]: r[2] for r in rows}
