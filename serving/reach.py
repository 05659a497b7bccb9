"""Which partitions of the daily tables a night can have changed since the previous publication.

The dbt marts and the ML steps write the rows of the run's landing window: a daily table's
partitions from the window's first day on (`fct_customer_activity` and `feedback_sentiment`
are partitioned by known_date = greatest(activity or text date, landing day), which can lie
after the window, never before it). Older partitions stay as they were, with one exception:
the tables whose customer_id follows the current identity map (`REMAPPED_TABLES`) re-point
older rows after merges or late person-records. Those rows are found from the identity map
itself: the mappings that differ between the previous publication and the warehouse name the
person-records whose rows moved (a row's customer_id is its record's mapping), and their
rows' partitions, before and after, are republished too. A table without the record's columns
falls back to the customer ids of those mappings, old and new: every row of a customer whose
records changed. Everything outside the reach is carried over unchanged.

A table that names the record can be exported in several files a partition, a row's file
chosen by its record (`record_file`): a re-pointed record's rows then move within their files,
and only those files of the older partitions are rewritten, not whole days of history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import duckdb

from serving.tables import IDENTITY_MAP, REMAPPED_TABLES


@dataclass(frozen=True)
class Reach:
    """The partitions a publish rewrites: all (since None), or those from `since` on plus `also`;
    and, for a table that follows the identity map, `rows`: SQL true for its re-pointed rows, for
    a store that can replace rows rather than whole partitions, and `files`: the (partition,
    record file) pairs of `also` that hold them, for an export split by record."""

    since: dt.date | None = None
    also: frozenset[dt.date] = field(default_factory=frozenset)
    rows: str | None = None
    files: frozenset[tuple[dt.date, int]] = field(default_factory=frozenset)

    def covers(self, value: dt.date | None) -> bool:
        return self.since is None or value is None or value >= self.since or value in self.also

    def predicate(self, column: str, by_row: bool = False, file: str | None = None) -> str:
        """SQL true for the rows of the reached partitions; with `by_row` of the reached rows; with
        `file` (the expression of a row's record file) of the reached record files."""
        if self.since is None:
            return "true"
        terms = [f'"{column}" IS NULL', f"\"{column}\" >= DATE '{self.since}'"]
        if by_row and self.rows:
            terms.append(self.rows)
        elif file is not None and self.files:
            pairs = ", ".join(f"(DATE '{d}', {n})" for d, n in sorted(self.files))
            terms.append(f'("{column}", {file}) IN ({pairs})')
        elif file is None and self.also:
            dates = ", ".join(f"DATE '{d}'" for d in sorted(self.also))
            terms.append(f'"{column}" IN ({dates})')
        return "(" + " OR ".join(terms) + ")"

    def covers_file(self, value: dt.date | None, file: int) -> bool:
        return self.since is None or value is None or value >= self.since or (value, file) in self.files


EVERYTHING = Reach()
REMAPPED = "serving_remapped_mappings"


def record_file(record: tuple[str, str], files: int) -> str:
    """SQL: which of `files` files of its partition a row goes to, by its person-record.

    DuckDB's hash (0.1 s for 3.65 million rows on 2 cores, md5_number_lower 1.4 s) is not
    promised to stay the same across DuckDB versions: an export split by it is built on only by
    a publish of the same version (`serving.exports.layout`)."""
    system, record_id = record
    return f"CAST(hash({system}, {record_id}) % {files} AS INTEGER)"


def _columns(con: duckdb.DuckDBPyConnection, relation_or_query: str) -> list[tuple[str, str]]:
    """(name, type) of each column of a table or query, to tell whether two can be merged."""
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {relation_or_query}").fetchall()]


def night_reach(
    con: duckdb.DuckDBPyConnection,
    previous: str,
    schema: str,
    tables: Mapping[str, str | None],
    served: Sequence[str],
    queries: Mapping[str, str],
    since: dt.date,
    record_files: int = 1,
) -> dict[str, Reach]:
    """The reach of each served table, against the publication attached as catalog `previous`,
    whose daily partitions may differ from the warehouse's from `since` on (serving/publish.py).

    A table not in the previous publication, or published with other columns, and every
    non-partitioned table is rewritten whole. `record_files`: the files a partition of a table
    naming the record is split in."""
    before = {t for t in served if _same_columns(con, previous, t, queries[t])}
    remapped = _remapped_mappings(con, previous, queries) if IDENTITY_MAP in before else None
    reach: dict[str, Reach] = {}
    for t in served:
        part = tables[t]
        if part is None or t not in before:
            reach[t] = EVERYTHING
        elif t in REMAPPED_TABLES:
            if remapped is None:
                reach[t] = EVERYTHING
                continue
            record = REMAPPED_TABLES[t]
            rows = _repointed_rows(remapped, record)
            file = record_file(record, record_files) if record else "0"
            files = _files_of(con, rows, since, part, file, [f"{schema}.{t}", f"{previous}.main.{t}"])
            # Without re-pointed rows before `since` (most nights: the changed mappings are new
            # records') there are none to name: the rows rewritten are a date range, by which the
            # scans of the table skip its history.
            reach[t] = Reach(since, frozenset(d for d, _ in files), rows if files else None, files)
        else:
            reach[t] = Reach(since)
    return reach


def forget(con: duckdb.DuckDBPyConnection) -> None:
    """Drops the temporary tables of changed mappings once the publish is done with them."""
    for (table,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'temp' AND starts_with(table_name, ?)",
        [REMAPPED],
    ).fetchall():
        con.execute(f'DROP TABLE temp.main."{table}"')


def _same_columns(con, previous: str, table: str, query: str) -> bool:
    try:
        published = _columns(con, f"{previous}.main.{table}")
    except duckdb.CatalogException:
        return False
    return published == _columns(con, query)


def _remapped_mappings(con, previous: str, queries: Mapping[str, str]) -> str:
    """A temporary table of the identity mappings that changed since the publication `previous`
    (one per publication: the serving file and the exports can build on different nights)."""
    # Only the customer id a record maps to moves rows; the map's other columns (the matching
    # rule, its probability) change as new records arrive without re-pointing anything.
    mapping = "source_system, source_record_id, customer_id"
    current = f"SELECT {mapping} FROM ({queries[IDENTITY_MAP]})"
    published = f"SELECT {mapping} FROM {previous}.main.{IDENTITY_MAP}"
    name = f"{REMAPPED}_{previous}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT DISTINCT * "
        f"FROM (({current} EXCEPT {published}) UNION ALL ({published} EXCEPT {current}))"
    )
    return name


def _repointed_rows(remapped: str, record: tuple[str, str] | None) -> str:
    """SQL true for the rows of a table whose customer_id may have changed with the mappings."""
    if record:
        system, record_id = record
        return f"({system}, {record_id}) IN (SELECT source_system, source_record_id FROM {remapped})"
    # NULL too: a row whose mapping appeared or vanished had or has no customer id
    return f"customer_id IN (SELECT customer_id FROM {remapped} WHERE customer_id IS NOT NULL) OR customer_id IS NULL"


def _files_of(con, rows: str, since: dt.date, part: str, file: str,
              relations: Sequence[str]) -> frozenset[tuple[dt.date, int]]:
    """The (partition, file) pairs before `since` holding re-pointed rows in any of `relations`."""
    union = " UNION ".join(
        f'SELECT DISTINCT "{part}", {file} FROM {r} WHERE "{part}" < ? AND ({rows})'
        for r in relations
    )
    return frozenset((d, f) for d, f in con.execute(union, [since] * len(relations)).fetchall())
