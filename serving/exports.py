"""The Parquet exports: one version directory per table and night, behind a swapped link.

`exports/<table>` is a symbolic link to `exports/.versions/<table>/<version>`. A night writes
every table's new version first and then swaps the links, so the exports of a night become
visible together. A daily table's new version holds the partitions the night reaches, written
afresh, and hard links to the files of the other partitions of the previous version (same file
system, no bytes copied): unchanged history costs a directory entry, not a rewrite. Versions
are never modified once linked, so a reader listing the previous one can finish it.

A table whose rows name their person-record (`REMAPPED_TABLES`) is split in `record_files`
files a partition, `records-<NN>-<name>.parquet`, by the record (serving/reach.py
`record_file`): an identity merge re-points a record's rows across its whole history, and then
only the record's files of those days are rewritten, the days' other files linked."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

import duckdb

from serving.reach import Reach, record_file
from serving.tables import REMAPPED_TABLES

VERSIONS = ".versions"
RECORD_FILE = re.compile(r"records-(\d+)-")


def layout(record_files: int) -> str:
    """What a publish must share with the previous one to build on its exports: the split by
    record, whose files follow DuckDB's hash of the version."""
    return f"{record_files} record files a partition, hash of DuckDB {duckdb.__version__}"


def clean_leftovers(exports_dir: Path) -> None:
    for tmp in exports_dir.glob(".*.link-tmp"):
        tmp.unlink(missing_ok=True)


def current_version(exports_dir: Path, table: str) -> Path | None:
    """The version directory `exports/<table>` points to, if any."""
    link = exports_dir / table
    if not link.is_symlink():
        return None
    target = (exports_dir / os.readlink(link)).resolve()
    return target if target.is_dir() else None


def write_exports(
    con: duckdb.DuckDBPyConnection,
    queries: Mapping[str, str],
    tables: Mapping[str, str | None],
    reach: Mapping[str, Reach],
    previous_version: str | None,
    exports_dir: Path,
    version: str,
    keep_versions: int,
    record_files: int = 1,
) -> None:
    """Writes each table of `queries` as `version`, reusing the previous version's partitions
    (or record files) outside its reach when that version is `previous_version`, then swaps the
    links."""
    new_dirs = {}
    for t, query in queries.items():
        target = exports_dir / VERSIONS / t / version
        target.parent.mkdir(parents=True, exist_ok=True)
        partition = tables[t]
        if partition:
            base = current_version(exports_dir, t)
            if base is None or base.name != previous_version:
                base, table_reach = None, Reach()
            else:
                table_reach = reach[t]
            record = REMAPPED_TABLES.get(t)
            # In partition order: rows scattered over hundreds of open partitions (a first publish
            # of a year, in a table stored by customer) took half again as long as sorting first.
            if record:
                file = record_file(record, record_files)
                con.execute(
                    f"COPY (SELECT *, {file} AS __record_file FROM ({query}) "
                    f"WHERE {table_reach.predicate(partition, file=file)} ORDER BY {partition}) TO '{target}' "
                    f"(FORMAT parquet, PARTITION_BY ({partition}, __record_file))"
                )
                _flatten_record_files(target)
            else:
                con.execute(
                    f"COPY ({query} WHERE {table_reach.predicate(partition)} ORDER BY {partition}) TO '{target}' "
                    f"(FORMAT parquet, PARTITION_BY ({partition}))"
                )
            target.mkdir(exist_ok=True)  # no row in reach writes no directory
            if base is not None:
                _link_unreached(base, target, table_reach, by_record=bool(record))
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


def _flatten_record_files(target: Path) -> None:
    """Moves `<partition>/__record_file=N/<name>` to `<partition>/records-NN-<name>`: readers of
    the hive partitions see the partition column, not the file's number."""
    for part in target.iterdir():
        for sub in part.iterdir():
            n = int(sub.name.partition("=")[2])
            for f in sub.iterdir():
                os.rename(f, part / f"records-{n:02d}-{f.name}")
            sub.rmdir()


def _link_unreached(base: Path, target: Path, reach: Reach, by_record: bool) -> None:
    """Hard-links the files of `base`'s partitions that `reach` does not cover into `target`:
    whole partitions, or `by_record` the record files."""
    for part in base.iterdir():
        value = _partition_value(part.name)
        if not part.is_dir() or reach.covers(value) and not by_record:
            continue
        for f in part.iterdir():
            if by_record and reach.covers_file(value, int(RECORD_FILE.match(f.name).group(1))):
                continue
            (target / part.name).mkdir(exist_ok=True)
            os.link(f, target / part.name / f.name)


def _partition_value(dir_name: str) -> dt.date | None:
    """The date of a hive partition directory `<column>=<YYYY-MM-DD>`; None (rewritten) otherwise."""
    try:
        return dt.date.fromisoformat(dir_name.partition("=")[2])
    except ValueError:
        return None
