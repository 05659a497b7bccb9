import datetime as dt
import json

import pytest

from orchestration.dbt_args import (
    build_args,
    chunk_days,
    churn_vars,
    feature_days_vars,
    nbo_vars,
    refresh_window,
    window_chunks,
    window_vars,
)


def test_window_is_half_open_over_landing_days():
    assert window_vars("2026-01-01", "2026-01-01") == {"min_date": "2026-01-01", "max_date": "2026-01-02"}
    assert window_vars("2026-02-27", "2026-02-28") == {"min_date": "2026-02-27", "max_date": "2026-03-01"}


def test_window_rejects_reversed_range():
    with pytest.raises(ValueError, match="ends before it starts"):
        window_vars("2026-01-02", "2026-01-01")


def test_build_args():
    assert build_args() == ["build", "--exclude-resource-type", "unit_test"]
    args = build_args(window_vars("2026-01-01", "2026-01-31"), full_refresh=True)
    assert args[0] == "build" and args[-1] == "--full-refresh"
    assert json.loads(args[args.index("--vars") + 1]) == {"min_date": "2026-01-01", "max_date": "2026-02-01"}
    selected = build_args(selector="marts_incremental")
    assert selected[selected.index("--selector") + 1] == "marts_incremental"


def test_a_long_run_is_split_into_even_consecutive_windows():
    year = window_chunks("2026-01-01", "2026-12-31", 75)
    assert [(a, b) for a, b in year[:2]] == [("2026-01-01", "2026-03-14"), ("2026-03-15", "2026-05-26")]
    assert len(year) == 5 and year[-1][1] == "2026-12-31"
    lengths = [(dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days + 1 for a, b in year]
    assert sum(lengths) == 365 and max(lengths) - min(lengths) <= 1
    assert window_chunks("2026-01-01", "2026-01-01", 75) == [("2026-01-01", "2026-01-01")]
    days = ["2026-01-01", "2026-01-02", "2026-01-03"]
    assert window_chunks(days[0], days[-1], 1) == [(d, d) for d in days]
    with pytest.raises(ValueError):
        window_chunks("2026-01-02", "2026-01-01", 75)


def test_window_length_follows_the_customers():
    assert chunk_days(1_000_000, 75_000_000) == 75
    assert chunk_days(100_000, 75_000_000) == 750  # a year in one invocation at 100k customers
    assert chunk_days(0, 75_000_000) == 75_000_000  # no identity map yet: one invocation
    assert chunk_days(200_000_000, 75_000_000) == 1


def test_churn_vars_come_from_the_churn_config():
    assert churn_vars({"horizon_days": 30, "inactivity_days": "60", "seed": 1}) == {
        "churn_horizon_days": 30,
        "churn_inactivity_days": 60,
    }


def test_nbo_vars_come_from_the_offer_rules():
    rules = {
        "contact_policy": {"period_days": "30", "decline_cooldown_days": 14, "max_offers_per_period": 4},
        "category_lookback_days": 365,
        "model": {"response_window_days": 7, "seed": 1},
    }
    assert nbo_vars(rules) == {
        "nbo_period_days": 30,
        "nbo_decline_cooldown_days": 14,
        "nbo_category_lookback_days": 365,
        "nbo_response_window_days": 7,
    }


def test_full_refresh_rebuilds_all_history_up_to_the_run():
    assert refresh_window("2026-06-29", "2026-06-29", False, "2026-01-01") == ("2026-06-29", "2026-06-29")
    assert refresh_window("2026-06-29", "2026-06-29", True, "2026-01-01") == ("2026-01-01", "2026-06-29")
    assert refresh_window("2025-12-01", "2026-01-31", True, "2026-01-01") == ("2025-12-01", "2026-01-31")


def test_feature_days_vars_come_from_the_pipeline_config():
    pipeline = {"backfill_scored_days": "7", "engine": "duckdb", "partitions_start": "2026-01-01",
                "churn": {"snapshot_every_days": 7, "horizon_days": 30}}
    assert feature_days_vars(pipeline) == {
        "backfill_scored_days": 7, "churn_snapshot_every_days": 7, "churn_snapshot_start": "2026-01-01"}
