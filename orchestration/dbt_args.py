"""Pure helpers that turn a partition window and run config into dbt CLI arguments."""

from __future__ import annotations

import datetime as dt
import json


def window_vars(first_day: str, last_day: str) -> dict[str, str]:
    """dbt vars for the landing days first_day..last_day (inclusive) as a half-open window."""
    start, end = dt.date.fromisoformat(first_day), dt.date.fromisoformat(last_day)
    if end < start:
        raise ValueError(f"partition window ends before it starts: {first_day}..{last_day}")
    return {"min_date": start.isoformat(), "max_date": (end + dt.timedelta(days=1)).isoformat()}


def refresh_window(first_day: str, last_day: str, full_refresh: bool, history_start: str) -> tuple[str, str]:
    """The window a marts build covers: the run's days, or, on a full refresh, all history up to
    its last day (an incremental table rebuilt from one day's window would hold only that day)."""
    return (min(history_start, first_day) if full_refresh else first_day), last_day


def churn_vars(churn: dict) -> dict[str, int]:
    """dbt vars of the churn label definitions, from the churn section of config/pipeline.yml."""
    return {"churn_horizon_days": int(churn["horizon_days"]), "churn_inactivity_days": int(churn["inactivity_days"])}


def scored_days_vars(pipeline: dict) -> dict[str, int]:
    """dbt var of the days of a run whose daily ML outputs are made (config/pipeline.yml)."""
    return {"backfill_scored_days": int(pipeline["backfill_scored_days"])}


def nbo_vars(rules: dict) -> dict[str, int]:
    """dbt vars of the next-best-offer feature tables, from config/offer_rules.yml."""
    policy = rules["contact_policy"]
    return {
        "nbo_period_days": int(policy["period_days"]),
        "nbo_decline_cooldown_days": int(policy["decline_cooldown_days"]),
        "nbo_category_lookback_days": int(rules["category_lookback_days"]),
        "nbo_response_window_days": int(rules["model"]["response_window_days"]),
    }


def build_args(dbt_vars: dict | None = None, full_refresh: bool = False) -> list[str]:
    args = ["build"]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars, sort_keys=True)]
    if full_refresh:
        args.append("--full-refresh")
    return args
