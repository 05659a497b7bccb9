"""The KPI tiles of the report: value on the day, the value 30 days before, and the series."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

TREND_DAYS = 30


@dataclass(frozen=True)
class Kpi:
    name: str
    value: float | None
    previous: float | None  # TREND_DAYS days before (None without that much history)
    fmt: str  # format spec of the value
    higher_is_better: bool
    dates: list[dt.date]
    series: list[float | None]

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def improved(self) -> bool | None:
        if self.change is None or self.change == 0:
            return None
        return (self.change > 0) == self.higher_is_better


def _none(x) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def kpi_tiles(kpis: pd.DataFrame) -> list[Kpi]:
    """NPS and CSAT (trailing 30 days, as cx_kpis_daily has them), churn rate and revenue over
    the last 30 days, active customers; from cx_kpis_daily rows up to the report's day."""
    if kpis.empty:
        return []
    k = kpis.sort_values("date").set_index(pd.to_datetime(kpis["date"].sort_values()))
    # only whole 30-day windows: a partial one at the start would show a false trend
    window = {"window": f"{TREND_DAYS}D", "min_periods": TREND_DAYS}
    churned_30d = k["churned_customers"].rolling(**window).sum()
    subscribers_30d = k["subscribers_at_day_start"].rolling(**window).mean()
    series = {
        ("NPS (30 days)", "+.1f", True): k["nps"],
        ("CSAT (30 days, 1-5)", ".2f", True): k["csat_avg"],
        ("Churn rate (30 days)", ".2%", False): churned_30d / subscribers_30d.where(subscribers_30d > 0),
        ("Revenue (30 days)", ",.0f", True): k["revenue"].rolling(**window).sum(),
        ("Active customers", ",.0f", True): k["active_customers"].astype(float),
    }
    last = k.index[-1]
    before = last - pd.Timedelta(days=TREND_DAYS)
    tiles = []
    for (name, fmt, higher_is_better), s in series.items():
        tiles.append(
            Kpi(
                name=name,
                value=_none(s.iloc[-1]),
                previous=_none(s.loc[before]) if before in s.index else None,
                fmt=fmt,
                higher_is_better=higher_is_better,
                dates=[d.date() for d in s.index],
                series=[_none(v) for v in s],
            )
        )
    return tiles
