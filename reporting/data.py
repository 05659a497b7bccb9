"""What the CX report shows, read from the warehouse as of one day. A table that does not
exist yet (e.g. next_best_offers before the offer step ran) gives an empty frame, and the
report says so instead of failing."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ml.warehouse import table_names

# Customers drawn for the quadrant scatter: enough to see the shape, small enough for a browser.
QUADRANT_SAMPLE = 4000


@dataclass
class ReportData:
    as_of: dt.date
    kpis: pd.DataFrame  # cx_kpis_daily up to as_of
    quadrant: pd.DataFrame  # customers with experience signals on as_of: experience, engagement, risk band
    bands: pd.DataFrame  # experience_engagement_bands of as_of
    churn: pd.DataFrame  # churn_scores of the last scored day up to as_of
    tickets: pd.DataFrame  # support_ticket_trends
    issues: pd.DataFrame  # support_recurring_issues
    sentiment: pd.DataFrame  # feedback_sentiment_weekly
    offers: pd.DataFrame  # next_best_offers of the last day up to as_of
    load_log: pd.DataFrame  # raw.load_log of the last 7 landing days up to as_of
    rejects: pd.DataFrame  # raw.rejects by reason, last 7 landing days
    dbt_tests: pd.DataFrame  # test results of the last dbt invocation
    missing: list[str] = field(default_factory=list)


def dbt_test_results(run_results: Path | None) -> pd.DataFrame:
    """name, status of the data tests and unit tests in dbt's run_results.json."""
    if run_results is None or not run_results.exists():
        return pd.DataFrame(columns=["test", "status"])
    results = json.loads(run_results.read_text())["results"]
    rows = [
        (r["unique_id"].split(".")[2], r["status"])
        for r in results
        if r["unique_id"].startswith(("test.", "unit_test."))
    ]
    return pd.DataFrame(rows, columns=["test", "status"])


def load_report_data(con: duckdb.DuckDBPyConnection, as_of: dt.date, run_results: Path | None = None) -> ReportData:
    present = table_names(con)
    missing: list[str] = []

    def read(table: str, sql: str) -> pd.DataFrame:
        if table not in present:
            missing.append(table)
            return pd.DataFrame()
        return con.execute(sql, {"as_of": as_of} if "$as_of" in sql else {}).df()

    risk_band = "'not scored'"
    join_risk = ""
    if "marts.churn_scores" in present:
        risk_band = "coalesce(s.risk_band, 'not scored')"
        join_risk = (
            "LEFT JOIN (SELECT customer_id, risk_band FROM marts.churn_scores WHERE as_of_date = $as_of) s "
            "USING (customer_id)"
        )
    last_day_of = "(SELECT max(as_of_date) FROM {t} WHERE as_of_date <= $as_of)"
    return ReportData(
        as_of=as_of,
        kpis=read("marts.cx_kpis_daily", "SELECT * FROM marts.cx_kpis_daily WHERE date <= $as_of ORDER BY date"),
        quadrant=read(
            "marts.customer_daily_metrics",
            f"""SELECT m.customer_id, m.experience_score, m.engagement_score, m.has_experience_signal,
                       {risk_band} AS risk_band
                FROM marts.customer_daily_metrics m {join_risk}
                WHERE m.date = $as_of AND m.has_experience_signal
                ORDER BY hash(m.customer_id), m.customer_id LIMIT {QUADRANT_SAMPLE}""",
        ),
        bands=read(
            "marts.experience_engagement_bands",
            "SELECT * FROM marts.experience_engagement_bands WHERE date = $as_of ORDER BY experience_band",
        ),
        churn=read(
            "marts.churn_scores",
            "SELECT as_of_date, churn_probability, risk_band, reason_1, revenue_at_risk FROM marts.churn_scores "
            f"WHERE as_of_date = {last_day_of.format(t='marts.churn_scores')}",
        ),
        tickets=read(
            "marts.support_ticket_trends",
            "SELECT * FROM marts.support_ticket_trends WHERE week_start <= $as_of ORDER BY week_start, ticket_category",
        ),
        issues=read(
            "marts.support_recurring_issues",
            "SELECT * FROM marts.support_recurring_issues ORDER BY agent_time_rank LIMIT 10",
        ),
        sentiment=read(
            "marts.feedback_sentiment_weekly",
            "SELECT * FROM marts.feedback_sentiment_weekly WHERE week_start <= $as_of ORDER BY week_start",
        ),
        offers=read(
            "marts.next_best_offers",
            f"SELECT * FROM marts.next_best_offers WHERE as_of_date = {last_day_of.format(t='marts.next_best_offers')}",
        ),
        load_log=read(
            "raw.load_log",
            "SELECT source || '.' || entity AS entity, sum(rows_landed)::BIGINT AS landed, "
            "sum(rows_loaded)::BIGINT AS loaded, sum(rows_rejected)::BIGINT AS rejected FROM raw.load_log "
            "WHERE _partition_date > $as_of - 7 AND _partition_date <= $as_of GROUP BY 1 ORDER BY 1",
        ),
        rejects=read(
            "raw.rejects",
            "SELECT source || '.' || entity AS entity, reason, count(*) AS rows FROM raw.rejects "
            "WHERE _partition_date > $as_of - 7 AND _partition_date <= $as_of GROUP BY ALL ORDER BY rows DESC LIMIT 10",
        ),
        dbt_tests=dbt_test_results(run_results),
        missing=missing,
    )
