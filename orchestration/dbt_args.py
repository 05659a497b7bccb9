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


def window_chunks(first_day: str, last_day: str, max_days: int) -> list[tuple[str, str]]:
    """first_day..last_day split into consecutive inclusive ranges of at most max_days days, as
    even as can be (a year of at most 75 days: five of 73, not four of 75 and one of 65)."""
    start, end = dt.date.fromisoformat(first_day), dt.date.fromisoformat(last_day)
    days = (end - start).days + 1
    if days < 1 or max_days < 1:
        raise ValueError(f"cannot split {first_day}..{last_day} into ranges of {max_days} days")
    count = -(-days // max_days)
    bounds = [start + dt.timedelta(days=days * i // count) for i in range(count + 1)]
    return [(a.isoformat(), (b - dt.timedelta(days=1)).isoformat()) for a, b in zip(bounds, bounds[1:])]


def chunk_days(customers: int, max_customer_days: int) -> int:
    """The most landing days one dbt invocation of the marts takes: their daily tables grow with
    customers x days, and so does the memory of building them."""
    return max(1, max_customer_days // max(customers, 1))


def churn_vars(churn: dict) -> dict[str, int]:
    """dbt vars of the churn label definitions, from the churn section of config/pipeline.yml."""
    return {"churn_horizon_days": int(churn["horizon_days"]), "churn_inactivity_days": int(churn["inactivity_days"])}


def feature_days_vars(pipeline: dict) -> dict[str, int | str]:
    """dbt vars of the days a run makes its daily ML outputs for and the churn training snapshot
    days, which the feature tables hold rows for (config/pipeline.yml; macros/feature_days.sql)."""
    return {
        "backfill_scored_days": int(pipeline["backfill_scored_days"]),
        "churn_snapshot_every_days": int(pipeline["churn"]["snapshot_every_days"]),
        "churn_snapshot_start": str(pipeline["partitions_start"]),
    }


def nbo_vars(rules: dict) -> dict[str, int]:
    """dbt vars of the next-best-offer feature tables, from config/offer_rules.yml."""
    policy = rules["contact_policy"]
    return {
        "nbo_period_days": int(policy["period_days"]),
        "nbo_decline_cooldown_days": int(policy["decline_cooldown_days"]),
        "nbo_category_lookback_days": int(rules["category_lookback_days"]),
        "nbo_response_window_days": int(rules["model"]["response_window_days"]),
    }


def build_args(dbt_vars: dict | None = None, full_refresh: bool = False, selector: str | None = None) -> list[str]:
    """`dbt build` of the pipeline's runs. Unit tests check the models' SQL on fixed inputs, so a
    run's data cannot change their verdict: they run with the test suite (`make test`), not
    every night."""
    args = ["build", "--exclude-resource-type", "unit_test"]
    if selector:
        args += ["--selector", selector]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars, sort_keys=True)]
    if full_refresh:
        args.append("--full-refresh")
    return args
