"""The serving layer: what BI tools get (tables, Parquet, masked personal data) and that a
reader in another process never breaks a publish nor sees half a night."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pyarrow.dataset as pds
import pytest

from serving.exports import current_version
from serving.pii import column_expression, pii_columns
from serving.publish import INFO_TABLE, publish, read_night

START = dt.date(2026, 1, 1)
TABLES = {"dim_customer": None, "customer_daily_metrics": "date", "next_best_offers": "as_of_date"}
PII = {"dim_customer": {"full_name": "name", "email": "email", "phone": "phone", "street": "street",
                        "postal_code": "postal_code"}}


def _warehouse(days: int) -> duckdb.DuckDBPyConnection:
    """A warehouse holding `days` nights of two marts (next_best_offers not built yet)."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.dim_customer AS SELECT * FROM (VALUES "
        "('c1', 'Ann Marie Lee', 'ann.lee@example.com', '(555) 123-4567', '1 Main St', 'SW1A 1AA', 'London'), "
        "('c2', NULL, NULL, NULL, NULL, NULL, NULL)) "
        "t(customer_id, full_name, email, phone, street, postal_code, city)"
    )
    con.execute(
        f"CREATE TABLE marts.customer_daily_metrics AS SELECT c.customer_id, DATE '{START}' + d::INT AS date, "
        "d * 1.5 AS engagement_score FROM (VALUES ('c1'), ('c2')) c(customer_id), range(?) r(d)",
        [days],
    )
    return con


def _publish(con, tmp_path, night, mode="masked", window=None, tables=TABLES, record_files=16):
    return publish(con, tmp_path / "serving.duckdb", tmp_path / "exports", tables, PII, mode, night, window=window,
                   record_files=record_files)


def test_masked_by_default_hashed_or_clear_on_request(tmp_path):
    con = _warehouse(3)
    result = _publish(con, tmp_path, START + dt.timedelta(days=2))
    assert result.missing == ["next_best_offers"] and result.rows == {"dim_customer": 2, "customer_daily_metrics": 6}
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as srv:
        row = srv.execute("SELECT full_name, email, phone, street, postal_code, city FROM dim_customer "
                          "WHERE customer_id = 'c1'").fetchall()[0]
        empty = srv.execute("SELECT full_name, email, phone, postal_code FROM dim_customer "
                            "WHERE customer_id = 'c2'").fetchall()[0]
    assert row == ("A. M. L.", "a***@example.com", "***67", None, "SW***", "London")
    assert empty == (None, None, None, None)

    _publish(con, tmp_path, START + dt.timedelta(days=2), mode="hashed")
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as srv:
        email, phone = srv.execute("SELECT email, phone FROM dim_customer WHERE customer_id = 'c1'").fetchall()[0]
        assert srv.execute(f"SELECT DISTINCT pii_mode FROM {INFO_TABLE}").fetchall() == [("hashed",)]
    expected = duckdb.sql("SELECT sha256('ann.lee@example.com'), sha256('5551234567')").fetchall()[0]
    assert (email, phone) == expected

    _publish(con, tmp_path, START + dt.timedelta(days=2), mode="clear")
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as srv:
        assert srv.execute("SELECT email FROM dim_customer WHERE customer_id = 'c1'").fetchall() == [
            ("ann.lee@example.com",)
        ]
    with pytest.raises(ValueError):
        column_expression("email", "email", "obfuscated")


def test_exports_are_parquet_partitioned_by_date_and_masked_too(tmp_path):
    con = _warehouse(3)
    _publish(con, tmp_path, START + dt.timedelta(days=2))
    daily = tmp_path / "exports" / "customer_daily_metrics"
    assert sorted(p.name for p in daily.iterdir()) == [f"date={START + dt.timedelta(days=i)}" for i in range(3)]
    table = pds.dataset(daily, format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 6
    dims = pds.dataset(tmp_path / "exports" / "dim_customer", format="parquet").to_table().to_pylist()
    assert {r["email"] for r in dims} == {"a***@example.com", None}
    assert not (tmp_path / "exports" / "next_best_offers").exists()


def test_republishing_gives_the_same_tables_and_keeps_one_previous_export(tmp_path):
    con = _warehouse(3)
    night = START + dt.timedelta(days=2)
    _publish(con, tmp_path, night)
    first = read_night(tmp_path / "serving.duckdb")
    for _ in range(3):
        _publish(con, tmp_path, night)
    assert read_night(tmp_path / "serving.duckdb") == first == (night, {"dim_customer": 2, "customer_daily_metrics": 6})
    versions = tmp_path / "exports" / ".versions" / "customer_daily_metrics"
    assert len(list(versions.iterdir())) == 2
    # no temporary file left beside the serving file, only the standby the next night builds on
    assert sorted(p.name for p in tmp_path.iterdir()) == [".serving.duckdb.standby", "exports", "serving.duckdb"]


def test_a_published_table_appears_once_it_exists(tmp_path):
    con = _warehouse(2)
    _publish(con, tmp_path, START + dt.timedelta(days=1))
    con.execute(
        f"CREATE TABLE marts.next_best_offers AS SELECT DATE '{START}' AS as_of_date, 'c1' AS customer_id, "
        "1 AS rank, 'o1' AS offer_id, 0.5 AS score, 12.5 AS expected_value, 'r' AS reason, 'model' AS assignment_group"
    )
    result = _publish(con, tmp_path, START + dt.timedelta(days=1))
    assert result.missing == [] and result.rows["next_best_offers"] == 1


def test_pii_kinds_come_from_the_dbt_manifest():
    manifest = {"nodes": {
        "model.x.dim_customer": {"resource_type": "model", "schema": "marts", "name": "dim_customer", "columns": {
            "email": {"name": "email", "config": {"meta": {"pii": "email"}}},
            "city": {"name": "city", "config": {"meta": {}}}}},
        "model.x.stg": {"resource_type": "model", "schema": "staging", "name": "stg", "columns": {
            "email": {"name": "email", "config": {"meta": {"pii": "email"}}}}},
    }}
    assert pii_columns(manifest) == {"dim_customer": {"email": "email"}}


READER = textwrap.dedent(
    """
    import json, pathlib, sys, time
    import duckdb

    path, mode, ready, stop = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), pathlib.Path(sys.argv[4])

    def night_of(con):
        info = con.execute("SELECT night, table_name, row_count FROM serving_info").fetchall()
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for _, t, _ in info}
        last_day = con.execute("SELECT max(date) FROM customer_daily_metrics").fetchall()[0][0]
        return {"nights": sorted({str(n) for n, _, _ in info}), "counts_match": all(counts[t] == n for _, t, n in info),
                "last_day": str(last_day)}

    # hold: a BI tool that keeps the file open all night; reopen: one that connects per query.
    # (Two processes: within one process DuckDB shares the open database between connections.)
    held = duckdb.connect(path, read_only=True) if mode == "hold" else None
    seen = []
    ready.touch()
    while True:
        stopping = stop.exists()
        if held is not None:
            seen.append(night_of(held))
        else:
            with duckdb.connect(path, read_only=True) as con:
                seen.append(night_of(con))
        if stopping:
            break
        time.sleep(0.01)
    print(json.dumps(seen))
    """
)


def _start_reader(tmp_path, mode: str, stop):
    ready = tmp_path / f"ready-{mode}"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(tmp_path / "serving.duckdb"), mode, str(ready), str(stop)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    while not ready.exists() and reader.poll() is None:
        time.sleep(0.02)
    assert reader.poll() is None, reader.stderr.read()
    return reader


def test_readers_neither_block_a_publish_nor_see_half_a_night(tmp_path):
    nights = [START + dt.timedelta(days=i) for i in range(1, 7)]
    _publish(_warehouse(1), tmp_path, START)
    stop = tmp_path / "stop"
    readers = {}
    try:
        readers = {mode: _start_reader(tmp_path, mode, stop) for mode in ("hold", "reopen")}
        for night in nights:  # each night's publish runs while both readers read
            result = _publish(_warehouse((night - START).days + 1), tmp_path, night, window=(night, night))
            assert result.night == night and not result.full
        stop.touch()
        outputs = {mode: r.communicate(timeout=120) for mode, r in readers.items()}
    finally:
        for r in readers.values():
            r.kill()
    for mode, r in readers.items():
        assert r.returncode == 0, outputs[mode][1]
    held, fresh = (json.loads(outputs[mode][0]) for mode in ("hold", "reopen"))
    # the open connection keeps the night it opened, complete, to the end
    assert held and all(s == {"nights": [str(START)], "counts_match": True, "last_day": str(START)} for s in held)
    # every new connection sees one whole night: one night in serving_info, every table's
    # rows as published, data up to that night; after the last publish, the last night
    for s in fresh:
        assert len(s["nights"]) == 1 and s["counts_match"] and s["last_day"] == s["nights"][0], s
    assert {s["nights"][0] for s in fresh} <= {str(n) for n in [START, *nights]}
    assert fresh[-1]["nights"] == [str(nights[-1])]


def test_every_served_daily_table_is_partitioned_by_one_of_its_dbt_columns():
    from config.settings import DBT_PROJECT_DIR
    from serving.tables import SERVED_TABLES

    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    columns = {n["name"]: set(n["columns"]) for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    columns |= {s["name"]: set(s["columns"]) for s in manifest["sources"].values() if s["schema"] == "marts"}
    for table, partition in SERVED_TABLES.items():
        if table == "next_best_offers" and table not in columns:
            continue  # built by the offer step, which is not on this branch yet
        assert table in columns, table
        assert partition is None or partition in columns[table], (table, partition)


# A night with an identity merge: c1 has a row on day 0, c2 one on day 1, c3 one every day.
REMAP_TABLES = {"customer_identity_map": None, "fct_customer_activity": "known_date",
                "customer_daily_metrics": "date"}


def _activity_warehouse(days: int) -> duckdb.DuckDBPyConnection:
    con = _warehouse(days)
    con.execute(
        "CREATE TABLE marts.customer_identity_map AS SELECT * FROM (VALUES ('shop', 'r1', 'c1'), "
        "('shop', 'r2', 'c2'), ('shop', 'r3', 'c3')) t(source_system, source_record_id, customer_id)"
    )
    con.execute(
        f"CREATE TABLE marts.fct_customer_activity AS SELECT 'a' || d || r AS activity_id, m.customer_id, "
        f"m.source_system, r AS source_record_id, DATE '{START}' + d::INT AS known_date "
        "FROM range(?) t(d), (VALUES ('r1'), ('r2'), ('r3')) x(r), marts.customer_identity_map m "
        "WHERE m.source_record_id = r AND (r = 'r3' OR (r = 'r1' AND d = 0) OR (r = 'r2' AND d = 1))",
        [days],
    )
    return con


def _contents(root: Path, tables) -> dict:
    """Every published table's rows, sorted, from the serving file and from the exports."""
    out = {}
    with duckdb.connect(str(root / "serving.duckdb"), read_only=True) as srv:
        for t in tables:
            out[("file", t)] = srv.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
        out["info"] = srv.execute(
            f"SELECT night, table_name, row_count, pii_mode FROM {INFO_TABLE} ORDER BY ALL"
        ).fetchall()
    for t in tables:
        out[("parquet", t)] = duckdb.sql(
            f"SELECT * FROM read_parquet('{root / 'exports' / t}/**/*.parquet', hive_partitioning = true) ORDER BY ALL"
        ).fetchall()
    return out


def _inodes(exports: Path, table: str) -> dict[str, int]:
    """Inode of each file (`<partition>/<name>`) in the current version of a daily table's export."""
    return {f"{p.parent.name}/{p.name}": p.stat().st_ino for p in (exports / table).glob("*/*.parquet")}


def _record_file(record_id: str, files: int) -> str:
    from serving.reach import record_file

    n = duckdb.sql(f"SELECT {record_file(('source_system', 'source_record_id'), files)} "
                   f"FROM (SELECT 'shop' AS source_system, '{record_id}' AS source_record_id)").fetchall()[0][0]
    return f"records-{n:02d}-data_0.parquet"


def test_a_nightly_publish_rewrites_only_its_window_and_equals_a_full_one(tmp_path):
    nightly, full = tmp_path / "nightly", tmp_path / "full"
    _publish(_warehouse(3), nightly, START + dt.timedelta(days=2))
    before = _inodes(nightly / "exports", "customer_daily_metrics")
    # nights 3 and 4 were not published (a failed run): night 5 catches them up
    night = START + dt.timedelta(days=5)
    con = _warehouse(6)
    result = _publish(con, nightly, night, window=(night, night))
    assert not result.full and result.rows == {"dim_customer": 2, "customer_daily_metrics": 12}
    after = _inodes(nightly / "exports", "customer_daily_metrics")
    assert sorted(after) == [f"date={START + dt.timedelta(days=i)}/data_0.parquet" for i in range(6)]
    assert all(after[d] == before[d] for d in before), "a partition before the window was rewritten"
    assert _publish(con, full, night).full
    built = TABLES.keys() - {"next_best_offers"}
    assert _contents(nightly, built) == _contents(full, built)
    # re-running the night: same publication, the history still the same files
    first = _contents(nightly, built)
    _publish(con, nightly, night, window=(night, night))
    assert _contents(nightly, built) == first
    assert all(_inodes(nightly / "exports", "customer_daily_metrics")[d] == before[d] for d in before)


@pytest.mark.parametrize("record_files", [1, 16])
def test_an_identity_merge_republishes_the_older_record_files_it_re_points(tmp_path, record_files):
    nightly, full = tmp_path / "nightly", tmp_path / "full"
    con = _activity_warehouse(5)
    _publish(con, nightly, START + dt.timedelta(days=4), tables=REMAP_TABLES, record_files=record_files)
    before = _inodes(nightly / "exports", "fct_customer_activity")
    # night 5: new rows, and r2 (c2) is merged into c1: its row of day 1 is re-pointed
    night = START + dt.timedelta(days=5)
    con = _activity_warehouse(6)
    con.execute("UPDATE marts.customer_identity_map SET customer_id = 'c1' WHERE source_record_id = 'r2'")
    con.execute("UPDATE marts.fct_customer_activity SET customer_id = 'c1' WHERE source_record_id = 'r2'")
    assert not _publish(con, nightly, night, window=(night, night), tables=REMAP_TABLES,
                        record_files=record_files).full
    after = _inodes(nightly / "exports", "fct_customer_activity")
    rewritten = {f for f in before if after.get(f) != before[f]}
    # r2's file of day 1, re-pointed; not r1's, whose customer c1 gained a record but whose rows
    # did not move; nor, when the day is split, r3's file of day 1
    day_1 = f"known_date={START + dt.timedelta(days=1)}"
    assert rewritten == {f"{day_1}/{_record_file('r2', record_files)}"}
    if record_files > 1:
        assert _record_file("r3", record_files) != _record_file("r2", record_files)
        assert f"{day_1}/{_record_file('r3', record_files)}" in before
    _publish(con, full, night, tables=REMAP_TABLES, record_files=record_files)
    assert _contents(nightly, REMAP_TABLES) == _contents(full, REMAP_TABLES)
    with duckdb.connect(str(nightly / "serving.duckdb"), read_only=True) as srv:
        assert srv.execute("SELECT DISTINCT customer_id FROM fct_customer_activity WHERE source_record_id = 'r2'"
                           ).fetchall() == [("c1",)]


def test_new_person_records_leave_history_out_of_the_rewrite(tmp_path):
    """A mapping that changed for a record without older rows (a new record, most nights)
    re-points nothing before the window: the rows rewritten are a date range, which the scan
    of a long history can skip to, rather than every row's record tested against the changes."""
    from serving.reach import forget, night_reach

    _publish(_activity_warehouse(5), tmp_path, START + dt.timedelta(days=4), tables=REMAP_TABLES)
    night = START + dt.timedelta(days=5)
    con = _activity_warehouse(6)
    con.execute("INSERT INTO marts.customer_identity_map VALUES ('shop', 'r4', 'c4')")
    con.execute(f"INSERT INTO marts.fct_customer_activity VALUES ('a5r4', 'c4', 'shop', 'r4', DATE '{night}')")
    con.execute(f"ATTACH '{tmp_path / 'serving.duckdb'}' AS published (READ_ONLY)")
    queries = {t: f"SELECT * FROM marts.{t}" for t in REMAP_TABLES}
    reach = night_reach(con, "published", "marts", REMAP_TABLES, list(REMAP_TABLES), queries, night)
    forget(con)
    con.execute("DETACH published")
    assert reach["fct_customer_activity"].predicate("known_date", by_row=True) == (
        f"(\"known_date\" IS NULL OR \"known_date\" >= DATE '{night}')")
    full = tmp_path / "full"
    _publish(con, full, night, tables=REMAP_TABLES)
    assert not _publish(con, tmp_path, night, window=(night, night), tables=REMAP_TABLES).full
    assert _contents(tmp_path, REMAP_TABLES) == _contents(full, REMAP_TABLES)


def test_another_split_of_the_records_rewrites_the_export_whole(tmp_path):
    """The record files of the previous export are only reused by a publish that splits the rows
    the same way (the same number of files, the same DuckDB hash)."""
    nightly, full = tmp_path / "nightly", tmp_path / "full"
    _publish(_activity_warehouse(5), nightly, START + dt.timedelta(days=4), tables=REMAP_TABLES, record_files=16)
    before = _inodes(nightly / "exports", "fct_customer_activity")
    night = START + dt.timedelta(days=5)
    con = _activity_warehouse(6)
    assert not _publish(con, nightly, night, window=(night, night), tables=REMAP_TABLES, record_files=4).full
    after = _inodes(nightly / "exports", "fct_customer_activity")
    assert not set(after.values()) & set(before.values())
    assert {f.split("/")[1] for f in after} <= {f"records-{n:02d}-data_0.parquet" for n in range(4)}
    _publish(con, full, night, tables=REMAP_TABLES, record_files=4)
    assert _contents(nightly, REMAP_TABLES) == _contents(full, REMAP_TABLES)


def test_a_mapping_whose_match_details_change_but_not_its_customer_moves_no_row(tmp_path):
    """New records arriving change the matching rule or probability of older mappings; the
    rows of those records stay where they are, and their history is not republished."""
    def warehouse(days: int, probability: float):
        con = _activity_warehouse(days)
        con.execute("ALTER TABLE marts.customer_identity_map ADD COLUMN match_probability DOUBLE")
        con.execute("UPDATE marts.customer_identity_map SET match_probability = ?", [probability])
        return con

    _publish(warehouse(5, 0.9), tmp_path, START + dt.timedelta(days=4), tables=REMAP_TABLES)
    before = _inodes(tmp_path / "exports", "fct_customer_activity")
    night = START + dt.timedelta(days=5)
    assert not _publish(warehouse(6, 0.95), tmp_path, night, window=(night, night), tables=REMAP_TABLES).full
    after = _inodes(tmp_path / "exports", "fct_customer_activity")
    assert all(after[d] == before[d] for d in before), "a partition before the window was rewritten"
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as srv:
        assert srv.execute("SELECT DISTINCT match_probability FROM customer_identity_map").fetchall() == [(0.95,)]


def test_another_pii_mode_or_layout_rewrites_everything(tmp_path):
    con = _warehouse(3)
    night = START + dt.timedelta(days=2)
    _publish(con, tmp_path, night)
    assert _publish(con, tmp_path, night, mode="hashed", window=(night, night)).full
    before = _inodes(tmp_path / "exports", "customer_daily_metrics")
    con.execute("ALTER TABLE marts.customer_daily_metrics ADD COLUMN orders INTEGER DEFAULT 0")
    assert not _publish(con, tmp_path, night, mode="hashed", window=(night, night)).full
    after = _inodes(tmp_path / "exports", "customer_daily_metrics")
    assert not set(after.values()) & set(before.values())  # the new column is in every partition
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as srv:
        assert srv.execute("SELECT count(orders) FROM customer_daily_metrics").fetchall() == [(6,)]


def test_quick_republishes_keep_the_newest_export(tmp_path, monkeypatch):
    """Old export versions are removed in name order: publishes within one second must still
    keep the one the link points to, whatever their random suffixes."""
    import uuid

    import serving.publish as publish_module

    # each random suffix sorts before the one drawn before it
    suffixes = iter(uuid.UUID(int=n << 96) for n in range(0xFF, 0, -1))
    monkeypatch.setattr(publish_module.uuid, "uuid4", lambda: next(suffixes))
    con = _warehouse(3)
    for _ in range(3):
        _publish(con, tmp_path, START + dt.timedelta(days=2), window=(START, START + dt.timedelta(days=2)))
    versions = sorted((tmp_path / "exports" / ".versions" / "customer_daily_metrics").iterdir(),
                      key=lambda p: p.stat().st_mtime_ns)
    assert current_version(tmp_path / "exports", "customer_daily_metrics") == versions[-1]


def test_the_serving_file_two_nights_old_is_updated_in_place_and_the_exports_follow_the_last_night(tmp_path):
    nightly, full = tmp_path / "nightly", tmp_path / "full"
    _publish(_activity_warehouse(5), nightly, START + dt.timedelta(days=4), tables=REMAP_TABLES)
    inodes = [(nightly / "serving.duckdb").stat().st_ino]
    # night 5 merges r2 into c1, night 6 undoes it: the file of night 4, updated for night 6,
    # holds r2's row as it was, but the exports of night 5 must re-point it back
    for night, owner in ((5, "c1"), (6, "c2"), (7, "c2")):
        con = _activity_warehouse(night + 1)
        for table in ("customer_identity_map", "fct_customer_activity"):
            con.execute(f"UPDATE marts.{table} SET customer_id = ? WHERE source_record_id = 'r2'", [owner])
        day = START + dt.timedelta(days=night)
        built_in = _publish(con, nightly, day, window=(day, day), tables=REMAP_TABLES).built_in
        assert built_in == ("a copy of the current file" if night == 5 else "the standby")
        inodes.append((nightly / "serving.duckdb").stat().st_ino)
        _publish(con, full, day, tables=REMAP_TABLES)
        assert _contents(nightly, REMAP_TABLES) == _contents(full, REMAP_TABLES), night
    assert inodes[2:] == inodes[:2], "the standby was not the file the next night was written in"


def test_a_standby_left_as_the_current_file_is_not_written_in_place(tmp_path):
    """A publish stopped between linking the standby and swapping in the new file leaves the
    standby the same file as the current one, which readers may have open."""
    night = START + dt.timedelta(days=2)
    _publish(_warehouse(3), tmp_path, night)
    current, standby = tmp_path / "serving.duckdb", tmp_path / ".serving.duckdb.standby"
    standby.unlink(missing_ok=True)
    standby.hardlink_to(current)
    held = tmp_path / "held.duckdb"
    held.hardlink_to(current)
    after = night + dt.timedelta(days=1)
    assert not _publish(_warehouse(4), tmp_path, after, window=(after, after)).full
    assert read_night(held)[0] == night and read_night(current)[0] == after


def test_after_a_backfill_the_next_night_copies_the_current_file_rather_than_update_an_old_one(tmp_path):
    def keep(name):  # a second name for the current file, to see what later becomes of it
        (tmp_path / name).hardlink_to(tmp_path / "serving.duckdb")
        return tmp_path / name

    _publish(_warehouse(3), tmp_path, START + dt.timedelta(days=2))
    before_backfill = keep("before")
    backfilled = START + dt.timedelta(days=9)
    _publish(_warehouse(10), tmp_path, backfilled, window=(START + dt.timedelta(days=3), backfilled))
    after_backfill = keep("after")
    for days in (11, 12):
        night = START + dt.timedelta(days=days - 1)
        _publish(_warehouse(days), tmp_path, night, window=(night, night))
        assert _contents(tmp_path, ["customer_daily_metrics"])[("file", "customer_daily_metrics")] == \
            _warehouse(days).execute("SELECT * FROM marts.customer_daily_metrics ORDER BY ALL").fetchall()
    # night 11 copied the backfill's file, not updated the file of the night before the
    # backfill; night 12 updated the backfill's file
    assert read_night(before_backfill)[0] == START + dt.timedelta(days=2)
    assert read_night(after_backfill)[0] == night
