"""Ingestion: typing against the contract, rejects with reasons, idempotent partitions."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq

from config.contract import entity
from ingest.load import ensure_raw_tables, landed_days, load_partition

DAY = dt.date(2026, 1, 5)
CONTACT_HEADER = "contact_id,email,first_name,last_name,phone,country,crm_id,marketing_opt_in,created_at,updated_at"


def _write(landing, source, name, day, ext, content: bytes):
    path = landing / source / name / f"{day.isoformat()}.{ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _load(con, landing, source, name, day=DAY):
    e = entity(source, name)
    ensure_raw_tables(con, [e])
    return load_partition(con, e, day, landing)


def _rejects(con):
    return con.execute("SELECT _row_number, reason FROM raw.rejects ORDER BY _row_number").fetchall()


def test_csv_rows_are_typed_and_bad_rows_rejected_with_reasons(con, tmp_path):
    rows = [
        CONTACT_HEADER,
        "C1,Ann@X.com,Ann,Lee,555-1234,US,,true,2026-01-05 10:00:00,2026-01-05 10:00:00",
        'C2,b@x.com,Bob,"Li, Jr",,US,R1,maybe,2026-01-05 10:00:00,2026-01-05 10:00:00',
        "C3,broken",
        ",c@x.com,Cy,Ko,,US,,false,2026-01-05 10:00:00,2026-01-05 10:00:00",
        "C5,d@x.com,Di,Wu,,US,,false,yesterday,2026-01-05 10:00:00",
    ]
    _write(tmp_path, "marketing", "contacts", DAY, "csv", ("\n".join(rows) + "\n").encode())
    r = _load(con, tmp_path, "marketing", "contacts")
    assert (r.rows_landed, r.rows_loaded, r.rows_rejected) == (5, 1, 4)
    loaded = con.execute(
        "SELECT contact_id, email, marketing_opt_in, created_at, _partition_date, _row_number, _source_file "
        "FROM raw.marketing__contacts"
    ).fetchall()
    assert loaded == [
        ("C1", "Ann@X.com", True, dt.datetime(2026, 1, 5, 10), DAY, 1, "marketing/contacts/2026-01-05.csv")
    ]
    assert _rejects(con) == [
        (2, "marketing_opt_in: maybe is not a boolean"),
        (3, "malformed CSV row: 2 fields, expected 10"),
        (4, "contact_id: required value missing"),
        (5, "created_at: yesterday is not a timestamp"),
    ]
    raw = con.execute("SELECT raw_record FROM raw.rejects WHERE _row_number = 3").fetchall()[0][0]
    assert raw == "C3,broken"


def test_jsonl_line_that_is_not_json_and_disallowed_value_are_rejected(con, tmp_path):
    lines = [
        '{"event_id":"e1","contact_id":"C1","campaign_id":"k","event_type":"open","event_at":"2026-01-05 10:00:00"}',
        "not json",
        '{"event_id":"e2","contact_id":"C1","campaign_id":"k","event_type":"bogus","event_at":"2026-01-05T10:00:00"}',
        "[1, 2]",
    ]
    _write(tmp_path, "marketing", "email_events", DAY, "jsonl", ("\n".join(lines) + "\n").encode())
    r = _load(con, tmp_path, "marketing", "email_events")
    assert (r.rows_landed, r.rows_loaded, r.rows_rejected) == (4, 1, 3)
    assert _rejects(con) == [
        (2, "line is not a JSON object"),
        (3, "event_type: bogus is not an allowed value"),
        (4, "line is not a JSON object"),
    ]


def test_jsonl_blank_lines_are_skipped_and_counted_in_row_numbers(con, tmp_path):
    event = '{"event_id":"%s","contact_id":"C1","campaign_id":"k","event_type":"open","event_at":"2026-01-05 10:00:00"}'
    # CRLF endings, a line of tabs and spaces (blank), a line of a no-break space (not blank: a
    # row, rejected), and a name with multi-byte characters
    body = (event % "e1") + "\r\n\t \r\n\u00a0\n" + (event % "é中😀") + "\n\n"
    _write(tmp_path, "marketing", "email_events", DAY, "jsonl", body.encode())
    r = _load(con, tmp_path, "marketing", "email_events")
    assert (r.rows_landed, r.rows_loaded, r.rows_rejected) == (3, 2, 1)
    assert _rejects(con) == [(3, "line is not a JSON object")]
    loaded = con.execute("SELECT _row_number, event_id FROM raw.marketing__email_events ORDER BY 1").fetchall()
    assert loaded == [(1, "e1"), (4, "é中😀")]


def test_invalid_utf8_line_is_rejected_not_fatal(con, tmp_path):
    good = b'{"event_id":"e1","contact_id":"C1","campaign_id":"k","event_type":"open","event_at":"2026-01-05 10:00:00"}'
    _write(tmp_path, "marketing", "email_events", DAY, "jsonl", good + b"\n" + b'{"event_id":"\xff\xfe"}\n')
    r = _load(con, tmp_path, "marketing", "email_events")
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    assert _rejects(con)[0][1].startswith("invalid UTF-8")


def test_parquet_missing_required_column_rejects_every_row_with_the_reason(con, tmp_path):
    path = tmp_path / "sales" / "orders" / f"{DAY}.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(
        pa.table({"order_id": ["o1", "o2"], "ordered_at": [dt.datetime(2026, 1, 5, 9)] * 2,
                  "status": ["completed", "completed"], "coupon": ["x", "y"]}),
        path,
    )
    r = _load(con, tmp_path, "sales", "orders")
    assert (r.rows_landed, r.rows_loaded, r.rows_rejected) == (2, 0, 2)
    assert r.missing_columns == ["crm_id", "channel", "currency"]
    assert r.extra_columns == ["coupon"]
    assert {reason for _, reason in _rejects(con)} == {"crm_id: required column missing from file"}


def test_reloading_a_partition_replaces_it_and_a_missing_file_empties_it(con, tmp_path):
    body = CONTACT_HEADER + "\nC1,a@x.com,A,B,,US,,true,2026-01-05 10:00:00,2026-01-05 10:00:00\n"
    _write(tmp_path, "marketing", "contacts", DAY, "csv", body.encode())
    other_day = DAY + dt.timedelta(days=1)
    _write(tmp_path, "marketing", "contacts", other_day, "csv", body.replace("C1", "C2").encode())
    _load(con, tmp_path, "marketing", "contacts")
    _load(con, tmp_path, "marketing", "contacts", other_day)
    _load(con, tmp_path, "marketing", "contacts")  # re-run of the first day
    count = "SELECT _partition_date, count(*) FROM raw.marketing__contacts GROUP BY 1 ORDER BY 1"
    assert con.execute(count).fetchall() == [(DAY, 1), (other_day, 1)]

    (tmp_path / "marketing" / "contacts" / f"{DAY}.csv").unlink()
    r = _load(con, tmp_path, "marketing", "contacts")
    assert r.source_file is None and r.rows_landed == 0
    assert con.execute(count).fetchall() == [(other_day, 1)]
    log = con.execute(
        "SELECT _partition_date, rows_landed FROM raw.load_log ORDER BY 1"
    ).fetchall()
    assert log == [(DAY, 0), (other_day, 1)]


def test_empty_file_is_an_empty_partition(con, tmp_path):
    _write(tmp_path, "marketing", "contacts", DAY, "csv", b"")
    r = _load(con, tmp_path, "marketing", "contacts")
    assert (r.rows_landed, r.rows_loaded, r.rows_rejected) == (0, 0, 0)


def test_landed_days_lists_only_dated_files(tmp_path):
    e = entity("sales", "orders")
    folder = e.landing_dir(tmp_path)
    folder.mkdir(parents=True)
    for name in ["2026-01-02.parquet", "2026-01-01.parquet", "notes.parquet", "2026-01-03.csv"]:
        (folder / name).write_bytes(b"")
    assert landed_days(e, tmp_path) == [dt.date(2026, 1, 1), dt.date(2026, 1, 2)]


def test_a_warehouse_made_before_the_drift_and_hash_columns_is_upgraded(con, tmp_path):
    con.execute("CREATE SCHEMA raw")
    con.execute(
        "CREATE TABLE raw.marketing__contacts (contact_id VARCHAR, email VARCHAR, first_name VARCHAR, "
        "last_name VARCHAR, phone VARCHAR, country VARCHAR, crm_id VARCHAR, marketing_opt_in BOOLEAN, "
        "created_at TIMESTAMP, updated_at TIMESTAMP, _partition_date DATE, _source_file VARCHAR, "
        "_row_number BIGINT, _loaded_at TIMESTAMP)"
    )
    con.execute(
        "CREATE TABLE raw.load_log (source VARCHAR, entity VARCHAR, _partition_date DATE, _source_file VARCHAR, "
        "rows_landed BIGINT, rows_loaded BIGINT, rows_rejected BIGINT, missing_columns VARCHAR, "
        "extra_columns VARCHAR, _loaded_at TIMESTAMP)"
    )
    body = CONTACT_HEADER + ",tier\nC1,a@x.com,A,B,,US,,true,2026-01-05 10:00:00,2026-01-05 10:00:00,gold\n"
    _write(tmp_path, "marketing", "contacts", DAY, "csv", body.encode())
    r = _load(con, tmp_path, "marketing", "contacts")
    assert r.rows_loaded == 1
    assert con.execute("SELECT _extra_columns FROM raw.marketing__contacts").fetchall() == [('{"tier": "gold"}',)]
    assert con.execute("SELECT file_sha256 FROM raw.load_log").fetchall() == [(r.file_sha256,)]
