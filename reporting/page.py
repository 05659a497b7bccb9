"""The report as one HTML document: plotly.js is inlined once, every chart is a div that uses
it, so the file opens offline and needs nothing from the internet."""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from reporting import charts
from reporting.data import ReportData
from reporting.experience_link import experience_link_verdict
from reporting.kpis import TREND_DAYS, kpi_tiles

_CSS = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1280px; padding: 16px 24px; color: #222; }
h1 { margin-bottom: 0; } .sub { color: #666; margin-top: 4px; }
section { margin: 28px 0; } h2 { border-bottom: 2px solid #eee; padding-bottom: 4px; }
.tiles { display: grid; grid-template-columns: repeat(5, 1fr); gap: 12px; }
.tile { border: 1px solid #ddd; border-radius: 8px; padding: 10px 12px; }
.tile .name { color: #555; font-size: 13px; } .tile .value { font-size: 26px; font-weight: 600; }
.good { color: #2ca02c; } .bad { color: #d62728; } .flat { color: #666; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border-bottom: 1px solid #eee; padding: 4px 8px; text-align: left; } th { background: #fafafa; }
.note { background: #f6f8fa; border-left: 4px solid #999; padding: 8px 12px; }
.verdict-holds { border-left-color: #2ca02c; } .verdict-fails { border-left-color: #d62728; }
"""


def _chart(fig: go.Figure, chart_id: str) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=chart_id,
                       config={"displaylogo": False, "responsive": True})


def _cell(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()  # DuckDB dates arrive as midnight timestamps
    return str(value)


def _table(frame: pd.DataFrame, empty: str) -> str:
    if frame.empty:
        return f'<p class="note">{html.escape(empty)}</p>'
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><tr>{head}</tr>{rows}</table>"


def _note(text: str, css: str = "") -> str:
    return f'<p class="note {css}">{html.escape(text)}</p>'


def _tiles(data: ReportData) -> str:
    tiles = kpi_tiles(data.kpis)
    if not tiles:
        return _note("No KPIs yet (marts.cx_kpis_daily is empty).")
    out = []
    for i, k in enumerate(tiles):
        value = "–" if k.value is None else format(k.value, k.fmt)
        if k.change is None:
            trend = f'<span class="flat">no value {TREND_DAYS} days before</span>'
        else:
            css = {True: "good", False: "bad", None: "flat"}[k.improved]
            arrow = "▲" if k.change > 0 else ("▼" if k.change < 0 else "■")
            trend = f'<span class="{css}">{arrow} {format(k.change, k.fmt)} vs {TREND_DAYS} days before</span>'
        out.append(
            f'<div class="tile"><div class="name">{html.escape(k.name)}</div><div class="value">{value}</div>'
            f"<div>{trend}</div>{_chart(charts.sparkline(k), f'kpi-{i}')}</div>"
        )
    return f'<div class="tiles">{"".join(out)}</div>'


def _experience(data: ReportData) -> str:
    parts = []
    if not data.quadrant.empty:
        parts.append(_chart(charts.quadrant(data.quadrant), "quadrant"))
    if not data.bands.empty:
        parts.append(_chart(charts.experience_link(data.bands), "experience-link"))
        verdict = experience_link_verdict(data.bands)
        label = {True: "holds", False: "does not hold", None: "cannot be checked yet"}[verdict.holds]
        css = {True: "verdict-holds", False: "verdict-fails", None: ""}[verdict.holds]
        claim = f"“Better experience → more engagement → less churn” {label} on this data: {verdict.text}"
        return f'<div class="grid2">{"".join(parts)}</div>{_note(claim, css)}'
    return f'<div class="grid2">{"".join(parts)}</div>' if parts else _note("No customer metrics yet.")


def _churn(data: ReportData) -> str:
    if data.churn.empty:
        return _note("No churn scores yet (no model trained by this day).")
    c = data.churn
    day = _cell(c["as_of_date"].iloc[0])
    summary = (f"{len(c):,} customers scored on {day}: {int((c['risk_band'] == 'high').sum()):,} at high risk; "
               f"revenue at risk {c['revenue_at_risk'].sum():,.0f}.")
    return (_note(summary) + '<div class="grid2">' + _chart(charts.churn_distribution(c), "churn-distribution")
            + _chart(charts.churn_reasons(c), "churn-reasons") + "</div>")


def _support(data: ReportData) -> str:
    if data.tickets.empty:
        return _note("No support tickets yet.")
    anomalies = data.tickets[data.tickets["is_anomaly"]].sort_values("week_start", ascending=False).head(10)
    anomalies = anomalies[["week_start", "ticket_category", "tickets_opened", "trailing_median_tickets",
                           "robust_z_score"]]
    issues = data.issues
    if not issues.empty:
        issues = issues[["agent_time_rank", "ticket_category", "issue", "tickets", "agent_hours_proxy",
                         "reopen_rate", "escalation_rate", "avg_resolution_hours"]]
    return (_chart(charts.ticket_trends(data.tickets), "ticket-trends")
            + "<h3>Anomalies (|robust z| ≥ 3.5 against the median and MAD of the 8 weeks before)</h3>"
            + _table(anomalies, "No anomalous week.")
            + "<h3>Recurring issues that cost the most agent time (last 90 days)</h3>"
            + _table(issues, "No issue raised by 3 or more customers yet."))


def _feedback(data: ReportData) -> str:
    if data.sentiment.empty:
        return _note("No survey comments or ticket texts yet.")
    return _chart(charts.sentiment_trends(data.sentiment), "sentiment-trends")


def _offers(data: ReportData) -> str:
    if data.offers.empty:
        return _note("No offers yet: next best offers appear here once the offer step has run.")
    o = data.offers
    summary = (f"{o['customer_id'].nunique():,} customers with offers on {_cell(o['as_of_date'].iloc[0])}; "
               f"expected value of the first offers {o.loc[o['rank'] == 1, 'expected_value'].sum():,.0f}.")
    return _note(summary) + _chart(charts.offer_mix(o), "offer-mix")


def _quality(data: ReportData) -> str:
    tests = data.dbt_tests
    if tests.empty:
        verdict = _note("No dbt test results found.")
    else:
        counts = tests["status"].value_counts().to_dict()
        failing = tests[~tests["status"].isin(["pass", "success"])]
        verdict = _note("dbt tests of the last run: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())),
                        "verdict-holds" if failing.empty else "verdict-fails")
        if not failing.empty:
            verdict += _table(failing.head(20), "")
    return (verdict + "<h3>Rows landed, loaded and rejected (last 7 landing days)</h3>"
            + _table(data.load_log, "No load log.")
            + "<h3>Most frequent reject reasons (last 7 landing days)</h3>"
            + _table(data.rejects, "No rejected rows."))


def render(data: ReportData, generated_at: dt.datetime) -> str:
    sections = [
        ("kpis", "Key figures", _tiles(data)),
        ("experience", "Experience and engagement", _experience(data)),
        ("churn", "Churn risk", _churn(data)),
        ("support", "Support tickets", _support(data)),
        ("feedback", "Feedback sentiment", _feedback(data)),
        ("offers", "Next best offers", _offers(data)),
        ("quality", "Data quality", _quality(data)),
    ]
    body = "".join(f'<section id="{sid}"><h2>{title}</h2>{content}</section>' for sid, title, content in sections)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Customer experience report {data.as_of}</title><style>{_CSS}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        f"<h1>Customer experience report</h1><p class='sub'>As of {data.as_of} · generated "
        f"{generated_at:%Y-%m-%d %H:%M} UTC · customer360</p>{body}</body></html>"
    )
