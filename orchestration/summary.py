"""Prints what a pipeline run produced and where to look at it (the end of `make demo`)."""

from __future__ import annotations

from contextlib import contextmanager

import duckdb

from config.settings import engine, paths
from tools.outputs_doc import MARTS


@contextmanager
def _warehouse():
    """The configured engine's warehouse, read-only: (connection, where it is)."""
    if engine() == "spark":
        from spark_engine.connection import SparkConnection
        from spark_engine.session import spark_session

        yield SparkConnection(spark_session()), paths().spark / "warehouse"
        return
    with duckdb.connect(str(paths().warehouse), read_only=True) as con:
        yield con, paths().warehouse


def main() -> None:
    with _warehouse() as (con, where):
        landed, loaded, rejected = con.execute(
            "SELECT sum(rows_landed), sum(rows_loaded), sum(rows_rejected) FROM raw.load_log"
        ).fetchall()[0]
        print(f"\nIngestion: {landed:,} rows landed = {loaded:,} loaded + {rejected:,} rejected (raw.rejects)")
        print(f"\nOutput tables (schema marts) in {where}:")
        for table in MARTS:
            n = con.execute(f"SELECT count(*) FROM marts.{table}").fetchall()[0][0]
            print(f"  marts.{table:28s} {n:>12,} rows")
        churn = con.execute(
            "SELECT s.as_of_date, count(*), count(*) FILTER (WHERE s.risk_band = 'high'), sum(s.revenue_at_risk), "
            "any_value(r.model_version), any_value(r.served_model), any_value(r.auc), any_value(r.grade) "
            "FROM marts.churn_scores s JOIN marts.ml_model_registry r USING (model_version) "
            "WHERE s.as_of_date = (SELECT max(as_of_date) FROM marts.churn_scores) GROUP BY 1"
        ).fetchall()
        if churn:
            day, scored, high, at_risk, version, served, auc, grade = churn[0]
            print(
                f"\nChurn on {day}: {scored:,} customers scored, {high:,} at high risk, ${at_risk:,.0f} at risk "
                f"(model {version}: {served}, validation AUC {auc:.3f}, grade {grade})"
            )
        offers = con.execute(
            "SELECT as_of_date, count(DISTINCT customer_id), count(*), "
            "sum(expected_value) FILTER (WHERE assignment_group = 'treatment'), "
            "mode() WITHIN GROUP (ORDER BY offer_id) FILTER (WHERE rank = 1) "
            "FROM marts.next_best_offers WHERE as_of_date = (SELECT max(as_of_date) FROM marts.next_best_offers) "
            "GROUP BY 1"
        ).fetchall()
        if offers:
            day, customers, rows, value, top = offers[0]
            print(
                f"Offers on {day}: {rows:,} offers for {customers:,} customers, expected value {value or 0:,.0f} "
                f"in the treatment group, most often first: {top}"
            )
    print(
        "\nNext:\n"
        + (f"  {where}: Parquet tables of the Spark catalog (docs/spark.md); BI tools read schema serving\n"
           if engine() == "spark" else f"  {where}: open it read-only with any DuckDB client or BI driver\n")
        + "  make ui        → http://localhost:3000 : assets, runs, checks, the backfill\n"
        "  make run DATE=YYYY-MM-DD     the nightly job for one day\n"
    )


if __name__ == "__main__":
    main()
