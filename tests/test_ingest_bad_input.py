"""The bad-input suite: one small landing file per kind of breakage, loaded for real.

For each: every landed row is loaded or rejected (never lost, never counted twice), a
rejected row carries its reason and its raw text, and the source's policy (contract
`bad_input`) decides whether the run fails or carries on with a warning.
"""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_ingest_load import _write

from config.contract import bad_input_policy, entity, max_field_chars
from ingest.load import ensure_raw_tables, future_files, load_partition
from quality.policy import judge_bad_input

DAY = dt.date(2026, 1, 5)
CONTACT_HEADER = "contact_id,email,first_name,last_name,phone,country,crm_id,marketing_opt_in,created_at,updated_at"
TS = "2026-01-05 10:00:00"


def _contact(cid: str, email: str = "a@x.com") -> str:
    return f"{cid},{email},Ann,Lee,,US,,true,{TS},{TS}"


def _event(eid: str, **extra) -> str:
    rec = {"event_id": eid, "contact_id": "C1", "campaign_id": "k", "event_type": "open", "event_at": TS, **extra}
    return json.dumps(rec)


def _load(con, landing, source, name, day=DAY):
    e = entity(source, name)
    ensure_raw_tables(con, [e])
    r = load_partition(con, e, day, landing)
    # The accounting holds in the result and in the tables themselves.
    assert r.rows_landed == r.rows_loaded + r.rows_rejected
    in_table = con.execute(f"SELECT count(*) FROM {e.qualified_table} WHERE _partition_date = ?", [day]).fetchall()
    rejected = con.execute(
        "SELECT count(*) FROM raw.rejects WHERE source = ? AND entity = ? AND _partition_date = ?", [source, name, day]
    ).fetchall()
    assert (in_table[0][0], rejected[0][0]) == (r.rows_loaded, r.rows_rejected)
    no_reason = con.execute("SELECT count(*) FROM raw.rejects WHERE reason IS NULL OR raw_record IS NULL").fetchall()
    assert no_reason[0][0] == 0
    return r


def _reasons(con) -> list[tuple[int, str]]:
    return con.execute("SELECT _row_number, reason FROM raw.rejects ORDER BY _row_number").fetchall()


def test_malformed_csv_rows_are_rejected_and_the_rest_loaded(con, tmp_path):
    body = "\n".join([CONTACT_HEADER, _contact("C1"), "C2,only,three", _contact("C3"), "C4" + ",x" * 12]) + "\n"
    _write(tmp_path, "marketing", "contacts", DAY, "csv", body.encode())
    r = _load(con, tmp_path, "marketing", "contacts")
    assert (r.rows_landed, r.rows_loaded, r.rows_rejected) == (4, 2, 2)
    assert _reasons(con) == [
        (2, "malformed CSV row: 3 fields, expected 10"),
        (4, "malformed CSV row: 13 fields, expected 10"),
    ]


def test_wrong_types_are_rejected_per_row_with_the_value(con, tmp_path):
    path = tmp_path / "sales" / "order_lines" / f"{DAY}.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(
        pa.table({"order_id": ["o1", "o2"], "line_number": ["1", "two"], "product_id": ["p", "p"],
                  "quantity": ["1", "1.5"], "unit_price": ["9.5", "9.5"], "line_amount": ["9.5", "EUR 9"]}),
        path,
    )
    r = _load(con, tmp_path, "sales", "order_lines")
    assert (r.rows_loaded, r.rows_rejected) == (1, 1)
    assert _reasons(con) == [
        (2, "line_number: two is not a integer; quantity: 1.5 is not a integer; line_amount: EUR 9 is not a double")
    ]


def test_missing_required_csv_column_rejects_every_row_and_breaches_a_failing_policy(con, tmp_path):
    header = CONTACT_HEADER.replace("created_at,", "")
    rows = [",".join(_contact(f"C{i}").split(",")[:8] + [TS]) for i in range(3)]
    _write(tmp_path, "marketing", "contacts", DAY, "csv", ("\n".join([header, *rows]) + "\n").encode())
    r = _load(con, tmp_path, "marketing", "contacts")
    assert (r.rows_landed, r.rows_rejected) == (3, 3)
    assert r.missing_columns == ["created_at"]
    assert {reason for _, reason in _reasons(con)} == {"created_at: required column missing from file"}

    # Marketing tolerates bad rows with a warning; the same file from sales would fail the run.
    marketing = judge_bad_input([r], bad_input_policy("marketing"))
    assert (marketing.breached, marketing.fails_run) == (True, False)
    sales = judge_bad_input([r], bad_input_policy("sales"))
    assert (sales.breached, sales.fails_run) == (True, True)
    assert "3 of 3 rows rejected (100.0%)" in sales.message


def test_extra_and_renamed_columns_are_reported_and_kept(con, tmp_path):
    # `e_mail` instead of `email` (renamed) and a new `segment` column (extra).
    header = CONTACT_HEADER.replace("email", "e_mail") + ",segment"
    rows = ["C1,ann@x.com,Ann,Lee,,US,,true," + TS + "," + TS + ",gold", "C2,,Bo,Li,,US,,false," + TS + "," + TS + ","]
    _write(tmp_path, "marketing", "contacts", DAY, "csv", ("\n".join([header, *rows]) + "\n").encode())
    r = _load(con, tmp_path, "marketing", "contacts")
    assert (r.rows_loaded, r.rows_rejected) == (2, 0)
    assert r.missing_columns == ["email"] and r.extra_columns == ["e_mail", "segment"]
    kept = con.execute(
        "SELECT contact_id, email, _extra_columns FROM raw.marketing__contacts ORDER BY 1"
    ).fetchall()
    assert kept == [("C1", None, '{"e_mail": "ann@x.com", "segment": "gold"}'), ("C2", None, None)]
    log = con.execute("SELECT missing_columns, extra_columns FROM raw.load_log").fetchall()
    assert log == [("email", "e_mail,segment")]


def test_extra_json_keys_are_reported_and_kept(con, tmp_path):
    lines = [_event("e1", utm_source="news"), _event("e2")]
    _write(tmp_path, "marketing", "email_events", DAY, "jsonl", ("\n".join(lines) + "\n").encode())
    r = _load(con, tmp_path, "marketing", "email_events")
    assert (r.rows_loaded, r.extra_columns) == (2, ["utm_source"])
    kept = con.execute("SELECT event_id, _extra_columns FROM raw.marketing__email_events ORDER BY 1").fetchall()
    assert kept == [("e1", '{"utm_source":"news"}'), ("e2", None)]


def test_duplicate_rows_keep_the_last_and_reject_the_others(con, tmp_path):
    body = "\n".join([CONTACT_HEADER, _contact("C1", "old@x.com"), _contact("C2"), _contact("C1", "new@x.com"),
                      _contact("C2")]) + "\n"
    _write(tmp_path, "marketing", "contacts", DAY, "csv", body.encode())
    r = _load(con, tmp_path, "marketing", "contacts")
    assert (r.rows_landed, r.rows_loaded, r.rows_rejected) == (4, 2, 2)
    assert con.execute("SELECT contact_id, email FROM raw.marketing__contacts ORDER BY 1").fetchall() == [
        ("C1", "new@x.com"), ("C2", "a@x.com")
    ]
    assert _reasons(con) == [
        (1, "duplicate key (contact_id=C1): row 3 of the file replaces it"),
        (2, "duplicate key (contact_id=C2): row 4 of the file replaces it"),
    ]


def test_a_redelivered_file_replaces_its_day_and_is_recognised_under_another_date(con, tmp_path):
    body = ("\n".join([CONTACT_HEADER, _contact("C1"), _contact("C2")]) + "\n").encode()
    _write(tmp_path, "marketing", "contacts", DAY, "csv", body)
    first = _load(con, tmp_path, "marketing", "contacts")
    again = _load(con, tmp_path, "marketing", "contacts")  # the same file delivered again for its day
    assert first.file_sha256 == again.file_sha256 and again.same_file_as == []
    assert con.execute("SELECT count(*) FROM raw.marketing__contacts").fetchall()[0][0] == 2

    next_day = DAY + dt.timedelta(days=1)
    _write(tmp_path, "marketing", "contacts", next_day, "csv", body)  # … and under the next date
    later = _load(con, tmp_path, "marketing", "contacts", next_day)
    assert later.same_file_as == [DAY]
    # Loaded as newer versions of the same keys; staging keeps the latest version per key.
    assert con.execute("SELECT count(*), count(DISTINCT contact_id) FROM raw.marketing__contacts").fetchall() == [
        (4, 2)
    ]


@pytest.mark.parametrize("content", [b"", b"\n\n", (CONTACT_HEADER + "\n").encode()])
def test_an_empty_or_header_only_file_is_an_empty_partition(con, tmp_path, content):
    _write(tmp_path, "marketing", "contacts", DAY, "csv", content)
    r = _load(con, tmp_path, "marketing", "contacts")
    assert (r.rows_landed, r.rows_loaded, r.rows_rejected) == (0, 0, 0)
    assert r.source_file == f"marketing/contacts/{DAY}.csv"
    assert judge_bad_input([r], bad_input_policy("sales")).fails_run is False


def test_a_file_for_a_future_date_waits_for_its_day(con, tmp_path):
    future = DAY + dt.timedelta(days=30)
    _write(tmp_path, "marketing", "contacts", future, "csv", ("\n".join([CONTACT_HEADER, _contact("C9")])).encode())
    r = _load(con, tmp_path, "marketing", "contacts")  # the run of DAY
    assert r.source_file is None and r.rows_landed == 0
    assert future_files(entity("marketing", "contacts"), tmp_path, DAY) == [
        tmp_path / "marketing" / "contacts" / f"{future}.csv"
    ]
    # When its day comes, it loads like any other.
    assert _load(con, tmp_path, "marketing", "contacts", future).rows_loaded == 1


def test_late_records_load_under_the_day_they_landed(con, tmp_path):
    late = "2025-11-20 08:00:00"
    _write(tmp_path, "marketing", "email_events", DAY, "jsonl", (_event("e1", event_at=late) + "\n").encode())
    r = _load(con, tmp_path, "marketing", "email_events")
    assert r.rows_loaded == 1
    row = con.execute("SELECT event_at, _partition_date FROM raw.marketing__email_events").fetchall()
    assert row == [(dt.datetime(2025, 11, 20, 8), DAY)]  # event time kept, knowledge time = landing day


def test_invalid_utf8_rejects_only_what_cannot_be_read(con, tmp_path):
    # JSON lines: the bad line alone.
    lines = [_event("e1").encode(), b'{"event_id":"e2","contact_id":"\xff"}', _event("e3").encode()]
    _write(tmp_path, "marketing", "email_events", DAY, "jsonl", b"\n".join(lines) + b"\n")
    r = _load(con, tmp_path, "marketing", "email_events")
    assert (r.rows_loaded, r.rows_rejected) == (2, 1)
    assert _reasons(con) == [(2, "invalid UTF-8 (invalid start byte at byte 31)")]
    # CSV: the row with the bad value, read by its columns.
    body = "\n".join([CONTACT_HEADER, _contact("C1"), _contact("C2"), _contact("C3")]).encode()
    body = body.replace(b"C2,a@x.com,Ann,Lee", b"C2,a@x.com,Ann,L\xe9e")
    _write(tmp_path, "marketing", "contacts", DAY, "csv", body)
    r = _load(con, tmp_path, "marketing", "contacts")
    assert (r.rows_landed, r.rows_loaded, r.rows_rejected) == (3, 2, 1)
    rejected = con.execute("SELECT _row_number, reason, raw_record FROM raw.rejects WHERE entity = 'contacts'")
    (row, reason, raw), = rejected.fetchall()
    assert (row, reason) == (2, "invalid UTF-8 in last_name (invalid continuation byte at byte 1 of the value)")
    assert json.loads(raw)["last_name"] == "L\ufffde" and json.loads(raw)["contact_id"] == "C2"
    # … unless the header itself cannot be read: then every row, with the reason.
    _write(tmp_path, "marketing", "contacts", DAY, "csv", body.replace(b"contact_id", b"contact_\xff", 1))
    r = _load(con, tmp_path, "marketing", "contacts")
    assert (r.rows_landed, r.rows_rejected) == (3, 3)
    reasons = con.execute("SELECT DISTINCT reason FROM raw.rejects WHERE entity = 'contacts'").fetchall()
    assert reasons == [("invalid UTF-8 (invalid start byte at byte 8)",)]


def test_a_huge_field_rejects_its_row_only(con, tmp_path):
    huge = "x" * (max_field_chars() + 1)
    body = "\n".join([CONTACT_HEADER, _contact("C1"), _contact("C2").replace("Ann", huge), _contact("C3")]) + "\n"
    _write(tmp_path, "marketing", "contacts", DAY, "csv", body.encode())
    r = _load(con, tmp_path, "marketing", "contacts")
    assert (r.rows_loaded, r.rows_rejected) == (2, 1)
    assert _reasons(con) == [(2, f"first_name: a value of {len(huge)} characters, more than the limit of "
                                 f"{max_field_chars()}")]
    kept = con.execute("SELECT length(raw_record) FROM raw.rejects").fetchall()[0][0]
    assert kept > len(huge)  # the whole raw row is kept


def test_a_json_line_that_is_not_json(con, tmp_path):
    lines = [_event("e1"), '{"event_id": "e2", "contact_id": ', "plain text", _event("e4")]
    _write(tmp_path, "marketing", "email_events", DAY, "jsonl", ("\n".join(lines) + "\n").encode())
    r = _load(con, tmp_path, "marketing", "email_events")
    assert (r.rows_loaded, r.rows_rejected) == (2, 2)
    assert _reasons(con) == [(2, "line is not a JSON object"), (3, "line is not a JSON object")]
    raws = con.execute("SELECT raw_record FROM raw.rejects ORDER BY _row_number").fetchall()
    assert raws == [('{"event_id": "e2", "contact_id": ',), ("plain text",)]


def test_a_parquet_file_with_another_schema(con, tmp_path):
    # Another system's export: integers where strings are expected, a renamed required
    # column (customer instead of crm_id), a nested column the contract does not know.
    path = tmp_path / "sales" / "orders" / f"{DAY}.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(
        pa.table({"order_id": [101, 102], "customer": ["R1", "R2"], "ordered_at": ["2026-01-05 09:00:00"] * 2,
                  "status": ["completed", "shipped"], "tags": [["a"], []]}),
        path,
    )
    r = _load(con, tmp_path, "sales", "orders")
    assert (r.rows_landed, r.rows_loaded, r.rows_rejected) == (2, 0, 2)
    assert r.missing_columns == ["crm_id", "channel", "currency"] and r.extra_columns == ["customer", "tags"]
    assert _reasons(con) == [
        (1, "crm_id: required column missing from file"),
        (2, "crm_id: required column missing from file"),
    ]
    raw = json.loads(con.execute("SELECT raw_record FROM raw.rejects WHERE _row_number = 2").fetchall()[0][0])
    assert raw["order_id"] == "102" and raw["customer"] == "R2" and raw["status"] == "shipped"
    verdict = judge_bad_input([r], bad_input_policy("sales"))
    assert verdict.fails_run and "crm_id: required column missing from file" in verdict.message


def test_a_file_that_is_not_parquet_at_all(con, tmp_path):
    _write(tmp_path, "sales", "orders", DAY, "parquet", b"order_id,crm_id\no1,R1\n")
    r = _load(con, tmp_path, "sales", "orders")
    assert (r.rows_landed, r.rows_rejected) == (1, 1)
    assert _reasons(con)[0][1].startswith("unreadable Parquet file")


def test_a_few_bad_rows_within_the_share_continue(con, tmp_path):
    rows = [_contact(f"C{i}") for i in range(99)] + ["C99,broken"]
    _write(tmp_path, "marketing", "contacts", DAY, "csv", ("\n".join([CONTACT_HEADER, *rows]) + "\n").encode())
    r = _load(con, tmp_path, "marketing", "contacts")
    verdict = judge_bad_input([r], bad_input_policy("sales"))  # 1 % rejected, 1 % allowed
    assert (verdict.breached, verdict.fails_run, verdict.rejected_share) == (False, False, 0.01)


def test_a_backfill_of_every_landed_day_stops_at_today(tmp_path, monkeypatch):
    from orchestration.backfill import landing_range

    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    for day in [DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=400)]:
        _write(tmp_path / "landing", "marketing", "contacts", day, "csv", CONTACT_HEADER.encode())
    assert landing_range(today=DAY + dt.timedelta(days=3)) == ("2026-01-05", "2026-01-06")
