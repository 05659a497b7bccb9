import json

import pytest

from orchestration.dbt_args import build_args, churn_vars, window_vars


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
