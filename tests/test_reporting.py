"""The CX report without Dagster: its numbers, its verdict on the experience link, and a
report built from a warehouse where some tables do not exist yet."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from reporting.build import build_report
from reporting.experience_link import experience_link_verdict
from reporting.kpis import kpi_tiles

START = dt.date(2026, 1, 1)


def _kpis(days: int) -> pd.DataFrame:
    dates = [START + dt.timedelta(days=i) for i in range(days)]
    return pd.DataFrame({
        "date": dates,
        "nps": [10.0 + i for i in range(days)],
        "csat_avg": [4.0] * days,
        "churned_customers": [1] * days,
        "subscribers_at_day_start": [200] * days,
        "revenue": [100.0] * days,
        "active_customers": [50 + i for i in range(days)],
    })


def test_kpi_tiles_value_trend_and_thirty_day_windows():
    tiles = {t.name: t for t in kpi_tiles(_kpis(60))}
    nps = tiles["NPS (30 days)"]
    assert (nps.value, nps.previous, nps.change, nps.improved) == (69.0, 39.0, 30.0, True)
    churn = tiles["Churn rate (30 days)"]
    assert churn.value == pytest.approx(30 / 200) and churn.previous == pytest.approx(30 / 200)
    assert churn.improved is None  # flat
    assert tiles["Revenue (30 days)"].value == 3000.0
    assert tiles["Active customers"].value == 109.0 and len(tiles["Active customers"].series) == 60
    # a 30-day sum needs 30 days: none on day 29, so no trend 30 days after it
    forty = {t.name: t for t in kpi_tiles(_kpis(40))}
    assert forty["Revenue (30 days)"].value == 3000.0 and forty["Revenue (30 days)"].previous is None
    assert forty["Revenue (30 days)"].series[28] is None
    # less than 30 days of history: no trend to show
    assert all(t.previous is None for t in kpi_tiles(_kpis(20)))
    assert kpi_tiles(pd.DataFrame()) == []


def _bands(rows):
    cols = ["experience_band", "customers", "avg_engagement_score", "buyers_then", "transactional_churn_rate",
            "subscribers_then", "subscription_churn_rate"]
    return pd.DataFrame(rows, columns=cols)


def test_experience_link_verdict():
    holds = _bands([
        ("0 no signal", 900, 40.0, 500, 0.30, 0, None),
        ("1 poor (<40)", 100, 45.0, 60, 0.25, 10, 0.5),
        ("3 good (60-80)", 80, 60.0, 50, 0.10, 5, 0.0),
        ("4 excellent (80+)", 5, 90.0, 3, 0.0, 0, None),  # too few to compare
    ])
    verdict = experience_link_verdict(holds)
    assert verdict.holds is True and (verdict.worst_band, verdict.best_band) == ("1 poor (<40)", "3 good (60-80)")
    assert "25.0% vs 10.0%" in verdict.text
    churn_up = holds.assign(transactional_churn_rate=[0.3, 0.1, 0.2, 0.0])
    assert experience_link_verdict(churn_up).holds is False
    less_engaged = holds.assign(avg_engagement_score=[40.0, 70.0, 60.0, 90.0], buyers_then=[0, 0, 0, 0])
    assert experience_link_verdict(less_engaged).holds is False  # engagement alone refutes it
    assert experience_link_verdict(holds.assign(buyers_then=0)).holds is None  # churn not comparable
    assert experience_link_verdict(holds.iloc[:2]).holds is None


def test_report_of_a_warehouse_without_offers_or_scores_says_so(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    kpis = _kpis(40)  # noqa: F841 (read by DuckDB's replacement scan)
    con.execute("CREATE TABLE marts.cx_kpis_daily AS SELECT * FROM kpis")
    day = START + dt.timedelta(days=39)
    result = build_report(con, tmp_path, day)
    page = result.path.read_text()
    assert result.path.name == f"cx_report_{day}.html" and result.latest.read_text() == page
    assert "marts.next_best_offers" in result.data.missing and "marts.churn_scores" in result.data.missing
    assert "No offers yet" in page and "No churn scores yet" in page
    assert '<div class="value">89</div>' in page and "+49.0" in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cx_report.html", f"cx_report_{day}.html"]
    # an older day rebuilt later (a backfill) does not replace the newest report
    build_report(con, tmp_path, day - dt.timedelta(days=5))
    assert result.latest.read_text() == page
