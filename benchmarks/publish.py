"""Benchmark of publishing: a nightly publish (the night's window) against a full one, as history grows.

    python -m benchmarks.publish --customers 100000 --days 365 730 --merges 100 [--sparse] --out <scratch dir>

For each history length it builds a warehouse of synthetic output tables shaped like the real
ones (sizes in `_build`), publishes it in full, lands one more day (new rows, and an identity
merge that re-points older activity rows), then publishes that night twice: in full, as every
night did before, and from the run's window, into separate directories. Per publish: wall time
and the bytes the process wrote (/proc/self/io write_bytes). Both must give the same tables.

A typical person-record is active on a quarter of the days; one in fifty on one day in a
hundred. The pipeline's nights re-point mostly the latter (at M, 45 days: 4 records with 9
older rows, docs/benchmarks.md): `--sparse` merges those.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import time
from pathlib import Path

import duckdb

from serving.publish import publish

START = dt.date(2025, 1, 1)
TABLES = {
    "dim_customer": None,
    "customer_identity_map": None,
    "fct_customer_activity": "known_date",
    "customer_daily_metrics": "date",
    "cx_kpis_daily": "date",
    "churn_scores": "as_of_date",
}
PII = {"dim_customer": {"full_name": "name", "email": "email"}}


def _written() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


def _days(con, first: int, last: int, customers: int) -> None:
    """Appends days first..last (day numbers from START) to the daily tables."""
    args = [first, last + 1, customers]
    con.execute(
        f"INSERT INTO marts.customer_daily_metrics SELECT 'c' || c, DATE '{START}' + d::INT, "
        "(hash(c, d) % 5)::INT, round((hash(c, d) % 10000) / 100.0, 2), (hash(d, c) % 40)::INT, "
        "(hash(c + 1, d) % 1000) / 10.0, (hash(c, d + 1) % 1000) / 10.0, hash(c, d) % 3 = 0, "
        "['active', 'cancelled', 'none'][1 + (hash(c) % 3)::INT], (hash(c, d, 7) % 90)::INT "
        "FROM range(?, ?) t(d), range(?) u(c)",
        args,
    )
    # about one activity per two customer-days; a few are known after the day they land
    sparse = "c % 50 = 49"
    con.execute(
        f"INSERT INTO marts.fct_customer_activity SELECT 'a' || d || '-' || c, 'c' || (c // 2), 'shop', "
        f"'r' || c, DATE '{START}' + d::INT, DATE '{START}' + (d + (hash(c, d) % 50 = 0)::INT)::INT, "
        "['order_placed', 'email_open', 'web_page_view', 'ticket_opened'][1 + (hash(d, c) % 4)::INT], "
        "round((hash(c, d) % 20000) / 100.0, 2), 'detail ' || (hash(c) % 1000) "
        f"FROM range(?, ?) t(d), range(?) u(c) WHERE hash(c, d, 1) % (CASE WHEN {sparse} THEN 100 ELSE 4 END) = 0",
        [first, last + 1, customers * 2],
    )
    con.execute(
        f"INSERT INTO marts.churn_scores SELECT DATE '{START}' + d::INT, 'c' || c, (hash(c, d) % 1000) / 1000.0, "
        "['high', 'medium', 'low'][1 + (hash(c, d) % 3)::INT], 'Days since the last purchase: ' || (hash(c) % 90), "
        "'churn-subscription-v1' FROM range(?, ?) t(d), range(?) u(c) WHERE c % 5 = 0",
        args,
    )
    con.execute(
        f"INSERT INTO marts.cx_kpis_daily SELECT DATE '{START}' + d::INT, 30 + d % 7, 0.8, ? FROM range(?, ?) t(d)",
        [customers, first, last + 1],
    )


def _build(path: Path, customers: int, days: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("SET memory_limit = '3GB'")
    con.execute("SET threads = 2")
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.dim_customer AS SELECT 'c' || c AS customer_id, 'Name ' || c || ' Person' AS full_name, "
        f"'p' || c || '@example.com' AS email, DATE '{START}' AS first_seen_date FROM range(?) u(c)",
        [customers],
    )
    con.execute(
        "CREATE TABLE marts.customer_identity_map AS SELECT 'shop' AS source_system, 'r' || c AS source_record_id, "
        "'c' || (c // 2) AS customer_id FROM range(?) u(c)",
        [customers * 2],
    )
    con.execute(
        "CREATE TABLE marts.customer_daily_metrics (customer_id VARCHAR, date DATE, orders_30d INT, "
        "revenue_30d DOUBLE, web_visits_30d INT, engagement_score DOUBLE, experience_score DOUBLE, is_active BOOLEAN, "
        "subscription_status VARCHAR, days_since_last_purchase INT)"
    )
    con.execute(
        "CREATE TABLE marts.fct_customer_activity (activity_id VARCHAR, customer_id VARCHAR, source_system VARCHAR, "
        "source_record_id VARCHAR, landed_date DATE, known_date DATE, activity_type VARCHAR, amount DOUBLE, "
        "detail VARCHAR)"
    )
    con.execute(
        "CREATE TABLE marts.churn_scores (as_of_date DATE, customer_id VARCHAR, churn_probability DOUBLE, "
        "risk_band VARCHAR, reason_1 VARCHAR, model_version VARCHAR)"
    )
    con.execute("CREATE TABLE marts.cx_kpis_daily (date DATE, nps DOUBLE, csat_avg DOUBLE, known_customers BIGINT)")
    _days(con, 0, days - 1, customers)
    return con


def _land_night(con, day: int, customers: int, merges: int, sparse: bool) -> None:
    """One more landing day, and about `merges` person-records (`sparse`: of the rarely active
    ones) re-pointed to other customers, their older activity rows with them (as the dbt
    post-hook does)."""
    _days(con, day, day, customers)
    if merges:
        among = "substr(source_record_id, 2)::BIGINT % 50 = 49" if sparse else "true"
        con.execute(
            "UPDATE marts.customer_identity_map SET customer_id = 'c' || (hash(source_record_id) % ?) "
            f"WHERE hash(source_record_id, 'merge') % ? = 0 AND {among}",
            [customers, max(customers * 2 // (50 if sparse else 1) // merges, 1)],
        )
    con.execute(
        "UPDATE marts.fct_customer_activity a SET customer_id = m.customer_id FROM marts.customer_identity_map m "
        "WHERE m.source_record_id = a.source_record_id AND a.customer_id <> m.customer_id"
    )


def _timed(con, root: Path, night: dt.date, window, record_files: int) -> dict:
    before, t0 = _written(), time.time()
    result = publish(con, root / "serving.duckdb", root / "exports", TABLES, PII, "masked", night, window=window,
                     record_files=record_files)
    return {"wall_s": round(time.time() - t0, 1), "written_mib": round((_written() - before) / 2**20),
            "full": result.full, "rows": sum(result.rows.values())}


def _fingerprints(root: Path) -> dict:
    """Rows and an order-free sum of row hashes per table, in the serving file and in the exports."""
    with duckdb.connect() as con:
        con.execute("SET memory_limit = '2GB'")
        con.execute(f"SET temp_directory = '{root}.spill'")  # not the working directory
        con.execute(f"ATTACH '{root / 'serving.duckdb'}' AS s (READ_ONLY)")
        out = {}
        for t in TABLES:
            parquet = f"read_parquet('{root / 'exports' / t}/**/*.parquet', hive_partitioning = true)"
            for kind, relation in (("file", f"s.{t}"), ("parquet", parquet)):
                out[f"{kind}:{t}"] = con.execute(
                    f"SELECT count(*), sum(hash(r)::HUGEINT)::VARCHAR FROM {relation} r"
                ).fetchall()[0]
        return out


def run(customers: int, days: int, merges: int, sparse: bool, record_files: int, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    warehouse = out / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)
    t0 = time.time()
    con = _build(warehouse, customers, days)
    built_s = round(time.time() - t0, 1)
    last = START + dt.timedelta(days=days - 1)
    nightly, full = out / "nightly", out / "full"
    for root in (nightly, full):
        shutil.rmtree(root, ignore_errors=True)
    first = _timed(con, nightly, last, None, record_files)
    _land_night(con, days, customers, merges, sparse)
    night = START + dt.timedelta(days=days)
    result = {
        "customers": customers, "days": days, "merges": merges, "sparse": sparse, "record_files": record_files,
        "build_s": built_s,
        "rows": {t: con.execute(f"SELECT count(*) FROM marts.{t}").fetchall()[0][0] for t in TABLES},
        "repointed_activity_rows": con.execute(
            f"SELECT count(*) FROM marts.fct_customer_activity WHERE known_date < DATE '{night}' "
            "AND customer_id <> 'c' || (substr(source_record_id, 2)::BIGINT // 2)").fetchall()[0][0],
        "first_publish": first,
        "full": _timed(con, full, night, None, record_files),
        "nightly": _timed(con, nightly, night, (night, night), record_files),
        "serving_file_mib": round((nightly / "serving.duckdb").stat().st_size / 2**20),
    }
    print(json.dumps(result), file=sys.stderr, flush=True)
    result["same_tables"] = _fingerprints(nightly) == _fingerprints(full)
    con.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--days", type=int, nargs="+", default=[365, 730])
    parser.add_argument("--merges", type=int, default=100, help="person-records re-pointed in the night")
    parser.add_argument("--sparse", action="store_true", help="re-point rarely active records")
    parser.add_argument("--record-files", type=int, default=16, help="files a day of the activity export")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    for days in args.days:
        print(json.dumps(run(args.customers, days, args.merges, args.sparse, args.record_files,
                             args.out / f"days-{days}")), flush=True)


if __name__ == "__main__":
    main()
