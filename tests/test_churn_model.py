"""ml/churn without Dagster or a warehouse: training, promotion, too-little-data errors,
reason codes, metrics and the point-in-time choice of the model a day uses."""

from __future__ import annotations

import dataclasses
import datetime as dt
from contextlib import nullcontext
from functools import partial

import duckdb
import numpy as np
import pandas as pd
import pytest

from ml.churn import registry
from ml.churn.config import ChurnConfig
from ml.churn.explain import contributions, reasons
from ml.churn.features import FEATURE_NAMES
from ml.churn.metrics import evaluate, lift_at
from ml.churn.models import RecencyRule
from ml.churn.run import risk_band, score_frame
from ml.churn.train import InsufficientDataError, choose_served, train

START = dt.date(2026, 1, 5)
CFG = ChurnConfig.from_dict(
    {
        "horizon_days": 14,
        "min_customers": 100,
        "min_positives": 20,
        "gbm": {"max_iter": 60, "learning_rate": 0.1, "max_leaf_nodes": 15},
    }
)


def snapshots(customers: int = 800, dates: int = 16, seed: int = 0) -> pd.DataFrame:
    """Weekly snapshots whose churn depends on inactivity and, non-linearly, on bad support
    experiences combined with open tickets (which a linear model cannot represent)."""
    rng = np.random.default_rng(seed)
    n = customers * dates
    frame = pd.DataFrame(rng.gamma(2.0, 3.0, size=(n, len(FEATURE_NAMES))), columns=FEATURE_NAMES)
    frame["days_since_last_engagement"] = rng.exponential(12, n).round()
    frame["experience_score"] = rng.uniform(0, 100, n)
    frame["open_tickets"] = rng.poisson(0.6, n)
    # nullable integers with missing values, as the warehouse returns them
    frame["last_nps"] = pd.array(np.where(rng.random(n) < 0.7, None, rng.integers(0, 11, n)), dtype="Int32")
    logit = (
        -4.2
        + 0.07 * frame["days_since_last_engagement"]
        + 2.8 * ((frame["experience_score"] < 35) & (frame["open_tickets"] >= 1))
    )
    frame["label"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame["as_of_date"] = np.repeat([START + dt.timedelta(days=7 * i) for i in range(dates)], customers)
    frame["customer_id"] = np.tile([f"C{i:05d}" for i in range(customers)], dates)
    return frame


@pytest.fixture(scope="module")
def trained():
    frame = snapshots()
    return train(frame, CFG, "subscription", 14, frame["as_of_date"].max() + dt.timedelta(days=14))


def test_the_model_beats_both_baselines_and_is_promoted(trained):
    m = trained.metrics
    assert trained.served == "gradient_boosting" and trained.promoted
    assert m["gradient_boosting"]["auc"] > m["logistic_regression"]["auc"] > m["recency_rule"]["auc"] > 0.5
    assert 0 < m["gradient_boosting"]["brier"] < m["recency_rule"]["brier"]
    assert trained.grade in {"A", "B"}


def test_time_split_keeps_validation_last_and_drops_overlapping_horizons(trained):
    s = trained.split
    assert s.train["as_of_date"].max() < s.calibration["as_of_date"].min()
    assert s.calibration["as_of_date"].max() + dt.timedelta(days=14) <= s.validation["as_of_date"].min()
    assert s.validation["as_of_date"].nunique() == CFG.validation_snapshots


def test_training_is_deterministic():
    frame = snapshots(customers=300, dates=12, seed=3)
    day = dt.date(2026, 6, 1)
    a, b = (train(frame.sample(frac=1, random_state=k), CFG, "subscription", 14, day) for k in (1, 2))
    assert a.version == b.version
    x = frame[FEATURE_NAMES].head(200)
    np.testing.assert_array_equal(a.model.predict_proba(x), b.model.predict_proba(x))
    changed = frame.assign(label=np.roll(frame["label"].to_numpy(), 1))
    assert train(changed, CFG, "subscription", 14, day).version != a.version
    # the risk bands do not shape the model, the boosting parameters do
    rebanded = dataclasses.replace(CFG, risk_bands={"high": 0.5, "medium": 0.2})
    assert train(frame, rebanded, "subscription", 14, day).version == a.version
    deeper = dataclasses.replace(CFG, gbm={**CFG.gbm, "max_leaf_nodes": 7})
    assert train(frame, deeper, "subscription", 14, day).version != a.version


def test_the_best_baseline_is_served_when_the_model_does_not_beat_it():
    metrics = {
        "gradient_boosting": {"auc": 0.71},
        "recency_rule": {"auc": 0.74},
        "logistic_regression": {"auc": 0.72},
    }
    served, promoted, reason = choose_served(metrics)
    assert (served, promoted) == ("recency_rule", False)
    assert "0.7100" in reason and "0.7400" in reason
    metrics["gradient_boosting"]["auc"] = 0.75
    assert choose_served(metrics)[:2] == ("gradient_boosting", True)


def test_too_little_history_is_a_clear_error_with_numbers():
    frame = snapshots(customers=300, dates=5)
    with pytest.raises(InsufficientDataError, match=r"5 labelled snapshot dates .* need at least 9"):
        train(frame, CFG, "subscription", 14, dt.date(2026, 6, 1))


def test_too_few_churners_or_customers_is_a_clear_error_with_numbers():
    frame = snapshots(customers=300, dates=12)
    frame["label"] = 0
    frame.loc[frame.index[:5], "label"] = 1
    with pytest.raises(InsufficientDataError, match=r"\d+ churners in train \(need 20\)"):
        train(frame, CFG, "subscription", 14, dt.date(2026, 6, 1))
    few = snapshots(customers=60, dates=12)
    with pytest.raises(InsufficientDataError, match=r"60 customers in training \(need 100\)"):
        train(few, CFG, "subscription", 14, dt.date(2026, 6, 1))


def test_the_top_reason_moves_the_score_more_than_a_random_feature(trained):
    x = snapshots(customers=400, dates=1, seed=9)[FEATURE_NAMES]
    p = trained.model.predict_proba(x)[:, 1]
    risky = np.flatnonzero(p >= np.quantile(p, 0.8))
    contrib = contributions(trained.model, x, trained.typical)
    rng = np.random.default_rng(1)
    top_drop, random_drop = [], []
    for i in risky:
        top = int(np.argmax(contrib[i]))
        other = int(rng.choice([j for j in range(len(FEATURE_NAMES)) if j != top]))
        for j, sink in ((top, top_drop), (other, random_drop)):
            moved = x.iloc[[i]].copy()
            moved[FEATURE_NAMES[j]] = trained.typical[FEATURE_NAMES[j]]
            sink.append(p[i] - trained.model.predict_proba(moved)[0, 1])
    assert np.mean(top_drop) > 0.05
    assert np.all(np.array(top_drop) >= np.array(random_drop) - 1e-12)
    # the planted causes are what the model names first
    firsts = [r[0] for r in reasons(trained.model, x.iloc[risky], trained.typical)]
    planted = ("Days since the customer last did anything", "Experience score", "Support tickets still open")
    assert np.mean([f is not None and f.startswith(planted) for f in firsts]) > 0.9


def test_lift_counts_ties_pro_rata_and_metrics_know_a_perfect_ranking():
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert lift_at(y, np.arange(10)[::-1].astype(float), 0.1) == pytest.approx(5.0)  # top 1 of 10 is a churner
    assert lift_at(y, np.ones(10), 0.1) == pytest.approx(1.0)  # all tied: no better than the base rate
    perfect = evaluate(y, y.astype(float))
    assert perfect["auc"] == 1.0 and perfect["brier"] == 0.0


def test_recency_rule_finds_the_planted_cutoff():
    days = np.arange(0, 100, dtype=float)
    X = pd.DataFrame({"days_since_last_engagement": days})
    rule = RecencyRule().fit(X, (days >= 40).astype(int))
    assert rule.cutoff_days_ == 40
    assert rule.predict_proba(pd.DataFrame({"days_since_last_engagement": [10.0, 55.0, np.nan]}))[:, 1].tolist() == [
        0.0, 1.0, 1.0
    ]


def test_scores_bands_and_revenue_at_risk(trained):
    features = snapshots(customers=50, dates=1, seed=4)
    features["annual_value"] = 1200.0
    bundle = {"model": trained.model, "typical": trained.typical, "definition": "subscription", "version": "v1"}
    out = score_frame(bundle, features, CFG.risk_bands)
    assert len(out) == 50 and out["churn_probability"].between(0, 1).all()
    assert (out["revenue_at_risk"] - 1200 * out["churn_probability"]).abs().max() < 0.01
    assert risk_band(np.array([0.05, 0.1, 0.3]), {"high": 0.25, "medium": 0.1}).tolist() == ["low", "medium", "high"]


def test_a_day_uses_the_latest_model_trained_by_that_day(trained, tmp_path):
    con = duckdb.connect()
    path = registry.save_model(tmp_path, trained)
    for as_of, version in ((dt.date(2026, 3, 2), "old"), (dt.date(2026, 3, 9), "new")):
        trained.version, trained.train_as_of = version, as_of
        registry.record(con, registry.registry_row(trained, path, dt.datetime(2026, 3, 10)))
    assert registry.current_model(con, dt.date(2026, 3, 1)) is None
    assert registry.current_model(con, dt.date(2026, 3, 8))["model_version"] == "old"
    assert registry.current_model(con, dt.date(2026, 3, 9))["model_version"] == "new"
    # re-recording a version keeps its first trained_at and one row
    registry.record(con, registry.registry_row(trained, path, dt.datetime(2027, 1, 1)))
    rows = con.execute("SELECT trained_at FROM marts.ml_model_registry WHERE model_version = 'new'").fetchall()
    assert rows == [(dt.datetime(2026, 3, 10),)]


def test_output_tables_are_documented_with_the_columns_they_are_created_with():
    import yaml

    from config.settings import DBT_PROJECT_DIR
    from ml.churn.tables import REGISTRY_COLUMNS, SCORES_COLUMNS

    doc = yaml.safe_load((DBT_PROJECT_DIR / "models" / "marts" / "_churn__sources.yml").read_text())
    tables = {t["name"]: t for t in doc["sources"][0]["tables"]}
    for name, columns in (("churn_scores", SCORES_COLUMNS), ("ml_model_registry", REGISTRY_COLUMNS)):
        documented = {c["name"]: c["data_type"].upper() for c in tables[name]["columns"]}
        assert documented == columns, name


def test_calibration_table_by_decile():
    from ml.churn.metrics import calibration_by_decile

    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0] * 10)
    p = np.where(y == 1, 0.9, 0.1) - np.arange(100) * 1e-4
    table = calibration_by_decile(y, p)
    assert table["customers"].tolist() == [10] * 10
    assert table["observed"].iloc[:2].tolist() == [1.0, 1.0] and table["observed"].iloc[2:].sum() == 0
    assert table["cumulative_lift"].iloc[0] == pytest.approx(5.0) and table["cumulative_lift"].iloc[-1] == 1.0


def _warehouse(frame: pd.DataFrame, subscribers: bool) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse with the two dbt feature tables, from a snapshot frame."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA features")
    features = frame.drop(columns="label").assign(
        is_subscriber=subscribers, is_recent_buyer=not subscribers, annual_value=100.0
    )
    labels = frame[["as_of_date", "customer_id"]].assign(
        horizon_end_date=frame["as_of_date"] + dt.timedelta(days=14),
        subscription_eligible=subscribers,
        transactional_eligible=not subscribers,
        churned_subscription=frame["label"].astype(bool) & subscribers,
        churned_transactional=frame["label"].astype(bool) & (not subscribers),
    )
    con.register("f", features)
    con.register("l", labels)
    con.execute("CREATE TABLE features.churn_features AS SELECT * FROM f")
    con.execute("CREATE TABLE features.churn_labels AS SELECT * FROM l")
    return con


@pytest.mark.parametrize("subscribers", [True, False])
def test_the_definition_follows_the_data_and_a_day_is_trained_then_scored(tmp_path, subscribers):
    from ml.churn.run import resolve_definition, score_day, train_if_due

    frame = snapshots(customers=400, dates=16)
    con = _warehouse(frame, subscribers)
    last_label_day = frame["as_of_date"].max() + dt.timedelta(days=14)
    assert resolve_definition(con, CFG, last_label_day) == ("subscription" if subscribers else "transactional")

    tuesday = last_label_day + dt.timedelta(days=(1 - last_label_day.weekday()) % 7)
    connect = partial(nullcontext, con)
    first = train_if_due(connect, CFG, tuesday, START, tmp_path)  # no model yet: trains although not Monday
    assert first.trained is not None and first.trained.definition == resolve_definition(con, CFG, tuesday)
    assert train_if_due(connect, CFG, tuesday + dt.timedelta(days=1), START, tmp_path).trained is None
    # a re-run of the day retrains the same version
    assert train_if_due(connect, CFG, tuesday, START, tmp_path).trained.version == first.trained.version

    day = frame["as_of_date"].max()
    assert score_day(con, CFG, day, tmp_path).scores == {}  # the model did not exist yet on that day
    later = frame[frame["as_of_date"] == day].assign(as_of_date=tuesday).drop(columns="label")
    con.register("later", later.assign(is_subscriber=subscribers, is_recent_buyer=not subscribers, annual_value=1.0))
    con.execute("INSERT INTO features.churn_features SELECT * FROM later")
    out = score_day(con, CFG, tuesday, tmp_path)
    assert out.scores["customers_scored"] == out.scores["customers_eligible"] == 400
    n, versions = con.execute(
        "SELECT count(*), count(DISTINCT model_version) FROM marts.churn_scores WHERE as_of_date = ?", [tuesday]
    ).fetchall()[0]
    assert (n, versions) == (400, 1)


def test_a_feature_without_any_value_in_training_does_not_stop_training():
    frame = snapshots(customers=300, dates=12)
    frame["last_nps"] = np.nan
    trained = train(frame, CFG, "subscription", 14, dt.date(2026, 6, 1))
    assert trained.metrics["gradient_boosting"]["auc"] > 0.6
