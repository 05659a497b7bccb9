"""The report's charts as plotly figures (pure functions of the report data)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from reporting.kpis import Kpi

RISK_COLOURS = {"high": "#d62728", "medium": "#ff7f0e", "low": "#2ca02c", "not scored": "#9e9e9e"}
_LAYOUT = {"template": "plotly_white", "margin": {"l": 50, "r": 20, "t": 50, "b": 40}, "height": 380}


def sparkline(kpi: Kpi) -> go.Figure:
    fig = go.Figure(go.Scatter(x=kpi.dates, y=kpi.series, mode="lines", line={"width": 2}, hoverinfo="x+y"))
    fig.update_layout(
        template="plotly_white", height=70, margin={"l": 0, "r": 0, "t": 0, "b": 0}, showlegend=False,
        xaxis={"visible": False}, yaxis={"visible": False},
    )
    return fig


def quadrant(customers: pd.DataFrame) -> go.Figure:
    """Experience (x) against engagement (y), one dot per customer, coloured by churn risk."""
    fig = go.Figure()
    for band, colour in RISK_COLOURS.items():
        part = customers[customers["risk_band"] == band]
        if not part.empty:
            fig.add_trace(go.Scattergl(
                x=part["experience_score"], y=part["engagement_score"], mode="markers", name=f"risk: {band}",
                marker={"size": 5, "color": colour, "opacity": 0.6}, text=part["customer_id"],
            ))
    for x, y, label in [(85, 95, "delighted & engaged"), (15, 95, "engaged despite experience"),
                        (85, 5, "happy but passive"), (15, 5, "at risk: unhappy & disengaged")]:
        fig.add_annotation(x=x, y=y, text=label, showarrow=False, font={"color": "#555"})
    fig.add_hline(y=50, line_dash="dot", line_color="#888")
    fig.add_vline(x=50, line_dash="dot", line_color="#888")
    fig.update_layout(title="Experience vs engagement (customers with experience signals)",
                      xaxis_title="experience score", yaxis_title="engagement score",
                      xaxis_range=[0, 100], yaxis_range=[0, 100], **_LAYOUT)
    return fig


def experience_link(bands: pd.DataFrame) -> go.Figure:
    """Engagement and churn by experience band: the claim, measured."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=bands["experience_band"], y=bands["avg_engagement_score"], name="mean engagement score",
                         marker_color="#1f77b4", text=bands["customers"].map("{:,} customers".format)),
                  secondary_y=False)
    for column, name, colour in [("transactional_churn_rate", "churn rate (buyers)", "#d62728"),
                                 ("subscription_churn_rate", "churn rate (subscribers)", "#9467bd")]:
        fig.add_trace(go.Scatter(x=bands["experience_band"], y=bands[column], name=name, mode="lines+markers",
                                 line={"color": colour}), secondary_y=True)
    fig.update_yaxes(title_text="engagement score", secondary_y=False)
    fig.update_yaxes(title_text="churned within the horizon", tickformat=".0%", secondary_y=True)
    fig.update_layout(title="Engagement and churn by experience band", **_LAYOUT,
                      legend={"orientation": "h", "y": -0.25})
    return fig


def churn_distribution(churn: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for band, colour in RISK_COLOURS.items():
        part = churn[churn["risk_band"] == band]
        if not part.empty:
            fig.add_trace(go.Histogram(x=part["churn_probability"], name=band, marker_color=colour, nbinsx=40))
    fig.update_layout(title="Churn probability of the scored customers", barmode="stack",
                      xaxis_title="probability of churning within the horizon", yaxis_title="customers", **_LAYOUT)
    return fig


def churn_reasons(churn: pd.DataFrame) -> go.Figure:
    high = churn[churn["risk_band"] == "high"]
    reasons = high["reason_1"].dropna().str.replace(r":.*", "", regex=True).value_counts().head(8).iloc[::-1]
    fig = go.Figure(go.Bar(x=reasons.values, y=reasons.index, orientation="h", marker_color="#d62728"))
    fig.update_layout(title="First reason of the high-risk customers", xaxis_title="customers", **_LAYOUT)
    return fig


def ticket_trends(tickets: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for category, part in tickets.groupby("ticket_category", sort=True):
        fig.add_trace(go.Scatter(x=part["week_start"], y=part["tickets_opened"], mode="lines+markers",
                                 name=category, marker={"size": 4}))
    anomalies = tickets[tickets["is_anomaly"]]
    if not anomalies.empty:
        fig.add_trace(go.Scatter(
            x=anomalies["week_start"], y=anomalies["tickets_opened"], mode="markers", name="anomaly",
            marker={"symbol": "x", "size": 13, "color": "#d62728", "line": {"width": 2}},
            text=anomalies["ticket_category"] + ": robust z " + anomalies["robust_z_score"].astype(str),
        ))
    fig.update_layout(title="Tickets opened per week and category (× = anomaly)", yaxis_title="tickets", **_LAYOUT)
    return fig


def sentiment_trends(sentiment: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for (kind, category), part in sentiment.groupby(["text_kind", "feedback_category"], sort=True):
        fig.add_trace(go.Scatter(x=part["week_start"], y=part["avg_compound"], mode="lines+markers",
                                 name=f"{kind.replace('_', ' ')}: {category}", marker={"size": 4}))
    fig.add_hline(y=0, line_dash="dot", line_color="#888")
    fig.update_layout(title="Sentiment of comments and tickets per week (VADER compound)",
                      yaxis_title="mean compound (-1 … 1)", yaxis_range=[-1, 1], **_LAYOUT)
    return fig


def offer_mix(offers: pd.DataFrame) -> go.Figure:
    top = offers[offers["rank"] == 1].groupby("offer_id").agg(
        customers=("customer_id", "count"), expected_value=("expected_value", "sum")).sort_values("customers")
    fig = make_subplots(rows=1, cols=2, subplot_titles=("customers (first offer)", "expected value"))
    fig.add_trace(go.Bar(x=top["customers"], y=top.index, orientation="h", name="customers"), row=1, col=1)
    fig.add_trace(go.Bar(x=top["expected_value"], y=top.index, orientation="h", name="expected value"), row=1, col=2)
    fig.update_layout(title="Next best offers: mix and expected value", showlegend=False, **_LAYOUT)
    return fig
