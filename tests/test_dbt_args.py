import json

import pytest

from orchestration.dbt_args import build_args, churn_vars, nbo_vars, refresh_window, scored_days_vars, window_vars


def test_window_is_half_open_over_landing_days():
    assert window_vars("2026-01-01", "2026-01-01") == {"min_date": "2026-01-01", "max_date": "2026-01-02"}
    assert window_vars("2026-02-27", "2026-02-28") == {"min_date": "2026-02-27", "max_date": "2026-03-01"}


def test_window_rejects_reversed_range():
    with pytest.raises(ValueError, match="ends before it starts"):
        window_vars("2026-01-02", "2026-01-01")


def test_build_args():
    assert build_args() == ["build"]
    args = build_args(window_vars("2026-01-01", "2026-01-31"), full_refresh=True)
    assert args[0] == "build" and args[-1] == "--full-refresh"
    assert json.loads(args[args.index("--vars") + 1]) == {"min_date": "2026-01-01", "max_date": "2026-02-01"}


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


def test_scored_days_var_comes_from_the_pipeline_config():
    assert scored_days_vars({"backfill_scored_days": "7", "engine": "duckdb"}) == {"backfill_scored_days": 7}
