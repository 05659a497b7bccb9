"""Churn prediction after the marts: weekly (re)training into the model registry, daily scores."""


from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from config.settings import engine, partitions_start, paths, pipeline_config
from ml.churn.config import ChurnConfig
from ml.churn.metrics import calibration_by_decile
from ml.churn.run import ELIGIBLE, DayOutcome, score_day, train_if_due
from ml.churn.tables import REGISTRY_TABLE, SCORES_TABLE
from orchestration.metadata import markdown_table
from orchestration.partitions import daily_partitions
from orchestration.resources import Warehouse, on_spark
from orchestration.run_day import last_days, partition_days, training_days

REGISTRY_KEY = AssetKey(["marts", "ml_model_registry"])
SCORES_KEY = AssetKey(["marts", "churn_scores"])
# Below this share of eligible customers scored, the day's scores are incomplete.
MIN_SCORED_SHARE = 0.99
# A day-over-day move of the mean churn probability by more than this (relative) is drift.
MAX_MEAN_DRIFT = 0.5


def _config() -> ChurnConfig:
    return ChurnConfig.from_dict(pipeline_config()["churn"])


def scored_days(context: AssetExecutionContext) -> list:
    """The days of the run whose daily ML outputs are made (config: backfill_scored_days)."""
    return last_days(partition_days(context), int(pipeline_config()["backfill_scored_days"]))


def _metrics_table(trained) -> str:
    rows = [
        (f"{name}{' (served)' if name == trained.served else ''}", f"{m['auc']:.3f}", f"{m['pr_auc']:.3f}",
         f"{m['brier']:.4f}", f"{m['lift_top_decile']:.2f}")
        for name, m in trained.metrics.items()
    ]
    return markdown_table(["candidate", "AUC", "PR-AUC", "Brier", "lift top 10 %"], rows)


def _calibration_table(trained) -> str:
    table = calibration_by_decile(trained.split.validation["label"].to_numpy(), trained.validation_probability)
    rows = [
        (r.decile, r.customers, f"{r.predicted:.3f}", f"{r.observed:.3f}", f"{r.cumulative_lift:.2f}")
        for r in table.itertuples()
    ]
    header = ["decile", "customers", "predicted churn", "observed churn", "cumulative lift"]
    return "Validation period, customers by score decile (1 = highest risk).\n\n" + markdown_table(header, rows)


@asset(
    key=REGISTRY_KEY,
    deps=[AssetKey(["features", "churn_features"]), AssetKey(["features", "churn_labels"])],
    description=(
        "Churn models by version (marts.ml_model_registry, files in data/models/churn/): retrained weekly, or "
        "on any day without a model, on labelled point-in-time snapshots whose horizon had elapsed by the day. "
        "A gradient-boosted model is served only if it beats the recency rule and a logistic regression on "
        "a later validation period."
    ),
    group_name="ml",
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    kinds={"scikitlearn", engine()},
    owners=["team:data-science"],
)
def ml_model_registry(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    # Only the last model's metrics are shown: earlier ones are not kept (each holds its training data).
    cfg, last, trained, skipped = _config(), None, 0, []
    days = training_days(partition_days(context), scored_days(context), cfg.retrain_weekday)
    for day in days:
        outcome = _train(warehouse, cfg, day)
        if outcome.trained:
            last, trained = outcome.trained, trained + 1
            context.log.info(f"{day}: trained {outcome.trained.version} ({outcome.trained.promotion_reason})")
        elif outcome.skipped:
            skipped.append(f"{day}: {outcome.skipped}")
            context.log.warning(f"{day}: no model trained: {outcome.skipped}")
    with warehouse.get_connection() as con:
        models = con.execute(f"SELECT count(*) FROM {REGISTRY_TABLE}").fetchall()[0][0]
    metadata = {"dagster/row_count": models, "models_trained": trained, "days_considered": len(days)}
    if skipped:
        metadata["not_trained"] = MetadataValue.md("\n".join(f"- {s}" for s in skipped[-10:]))
    if last is not None:
        served = last.metrics[last.served]
        metadata |= {
            "model_version": last.version,
            "served_model": last.served,
            "promotion": last.promotion_reason,
            "grade": last.grade,
            "validation_auc": round(served["auc"], 4),
            "validation_pr_auc": round(served["pr_auc"], 4),
            "validation_brier": round(served["brier"], 5),
            "lift_top_decile": round(served["lift_top_decile"], 3),
            "candidates": MetadataValue.md(_metrics_table(last)),
            "calibration_and_lift": MetadataValue.md(_calibration_table(last)),
        }
    return MaterializeResult(metadata=metadata)


@asset(
    key=SCORES_KEY,
    deps=[REGISTRY_KEY],
    description=(
        "Daily churn scores (marts.churn_scores): for every eligible customer on the day, the calibrated "
        "probability of churning within the horizon, a risk band, three reasons in plain words, revenue at "
        "risk and the model version, from the model current on that day."
    ),
    group_name="ml",
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    kinds={"scikitlearn", engine()},
    owners=["team:data-science"],
)
def churn_scores(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    cfg = _config()
    outcomes = [_score(warehouse, cfg, day) for day in scored_days(context)]
    last = outcomes[-1].day
    with warehouse.get_connection() as con:
        by_band = con.execute(
            f"SELECT risk_band, count(*), sum(churn_probability), sum(revenue_at_risk) FROM {SCORES_TABLE} "
            "WHERE as_of_date = ? GROUP BY 1",
            [last],
        ).fetchall()
        top_reasons = con.execute(
            f"SELECT regexp_replace(reason_1, ':.*', '') AS reason, count(*) AS n FROM {SCORES_TABLE} "
            "WHERE as_of_date = ? AND risk_band = 'high' GROUP BY 1 ORDER BY n DESC LIMIT 5",
            [last],
        ).fetchall()
    bands = {band: n for band, n, _, _ in by_band}
    customers = sum(bands.values())
    scored = sum(o.scores.get("customers_scored", 0) for o in outcomes)
    unscored = [f"{o.day}: {o.skipped}" for o in outcomes if not o.scores]
    if unscored:
        context.log.warning(f"{len(unscored)} day(s) without scores, e.g. {unscored[-1]}")
    metadata = {
        "dagster/row_count": scored,
        "days_scored": sum(bool(o.scores) for o in outcomes),
        "days_not_scored_in_backfill": len(partition_days(context)) - len(outcomes),
        "days_without_model": len(unscored),
        "last_day": last.isoformat(),
        "customers_high_risk": bands.get("high", 0),
        "customers_medium_risk": bands.get("medium", 0),
        "customers_low_risk": bands.get("low", 0),
        "mean_churn_probability": round(sum(r[2] for r in by_band) / customers if customers else 0.0, 5),
        "revenue_at_risk": round(sum(r[3] for r in by_band), 2),
    }
    if outcomes[-1].scores:
        metadata["model_version"] = outcomes[-1].scores["model_version"]
    if top_reasons:
        metadata["top_reasons_high_risk"] = MetadataValue.md(markdown_table(["first reason", "customers"], top_reasons))
    return MaterializeResult(metadata=metadata)


def _train(warehouse: Warehouse, cfg: ChurnConfig, day) -> DayOutcome:
    if on_spark(warehouse):
        from spark_engine.churn import train_if_due_on_spark

        return train_if_due_on_spark(warehouse.session(), cfg, day, partitions_start(), paths().models)
    return train_if_due(warehouse.get_connection, cfg, day, partitions_start(), paths().models)


def _score(warehouse: Warehouse, cfg: ChurnConfig, day) -> DayOutcome:
    if on_spark(warehouse):
        from spark_engine.churn import score_day_on_spark

        partitions = pipeline_config()["spark"]["scoring_partitions"]
        return score_day_on_spark(warehouse.session(), cfg, day, paths().models, partitions)
    with warehouse.get_connection() as con:
        return score_day(con, cfg, day, paths().models)


def _last_scored_day(con):
    return con.execute(f"SELECT max(as_of_date) FROM {SCORES_TABLE}").fetchall()[0][0]


@asset_check(
    asset=SCORES_KEY,
    description="On the last scored day every churn probability lies in [0, 1] and every row has a risk band.",
)
def churn_scores_in_range(warehouse: Warehouse) -> AssetCheckResult:
    with warehouse.get_connection() as con:
        day = _last_scored_day(con)
        bad = con.execute(
            f"SELECT count(*) FROM {SCORES_TABLE} WHERE as_of_date = ? AND (churn_probability NOT BETWEEN 0 AND 1 "
            "OR churn_probability IS NULL OR risk_band NOT IN ('low', 'medium', 'high'))",
            [day],
        ).fetchall()[0][0]
    return AssetCheckResult(
        passed=bad == 0, severity=AssetCheckSeverity.ERROR, metadata={"day": str(day), "bad_rows": bad}
    )


@asset_check(
    asset=SCORES_KEY,
    description=f"On the last scored day, at least {MIN_SCORED_SHARE:.0%} of the eligible customers have a score.",
)
def churn_scores_cover_eligible_customers(warehouse: Warehouse) -> AssetCheckResult:
    with warehouse.get_connection() as con:
        day = _last_scored_day(con)
        if day is None:
            return AssetCheckResult(passed=True, metadata={"note": "no scores yet (no model trained)"})
        definition = con.execute(
            f"SELECT any_value(churn_definition) FROM {SCORES_TABLE} WHERE as_of_date = ?", [day]
        ).fetchall()[0][0]
        column = ELIGIBLE[definition]
        eligible, scored = con.execute(
            f"SELECT count(*), count(s.customer_id) FROM features.churn_features f LEFT JOIN {SCORES_TABLE} s "
            f"ON s.as_of_date = f.as_of_date AND s.customer_id = f.customer_id WHERE f.as_of_date = ? AND f.{column}",
            [day],
        ).fetchall()[0]
    share = scored / eligible if eligible else 1.0
    return AssetCheckResult(
        passed=share >= MIN_SCORED_SHARE,
        severity=AssetCheckSeverity.ERROR,
        metadata={"day": str(day), "eligible": eligible, "scored": scored, "share": round(share, 4)},
    )


@asset_check(
    asset=SCORES_KEY,
    description="The model behind the last day's scores is no worse than both baselines on its validation period.",
)
def churn_model_not_below_baseline(warehouse: Warehouse) -> AssetCheckResult:
    with warehouse.get_connection() as con:
        row = con.execute(
            f"SELECT r.model_version, r.auc, greatest(r.recency_rule_auc, r.logistic_regression_auc) "
            f"FROM {REGISTRY_TABLE} r JOIN (SELECT any_value(model_version) AS model_version FROM {SCORES_TABLE} "
            f"WHERE as_of_date = (SELECT max(as_of_date) FROM {SCORES_TABLE})) s USING (model_version)"
        ).fetchall()
    if not row:
        return AssetCheckResult(passed=True, metadata={"note": "no scores yet (no model trained)"})
    version, auc, baseline = row[0]
    return AssetCheckResult(
        passed=auc >= baseline,
        severity=AssetCheckSeverity.ERROR,
        metadata={"model_version": version, "validation_auc": auc, "best_baseline_auc": baseline},
    )


@asset_check(
    asset=SCORES_KEY,
    description=f"The mean churn probability moved by at most {MAX_MEAN_DRIFT:.0%} from the previous scored day.",
)
def churn_scores_drift(warehouse: Warehouse) -> AssetCheckResult:
    with warehouse.get_connection() as con:
        # the last week only: the whole history would be read to find two days
        days = con.execute(
            f"SELECT as_of_date, avg(churn_probability) FROM {SCORES_TABLE} "
            f"WHERE as_of_date > (SELECT max(as_of_date) FROM {SCORES_TABLE}) - 7 GROUP BY 1 ORDER BY 1 DESC LIMIT 2"
        ).fetchall()
    if len(days) < 2:
        return AssetCheckResult(passed=True, metadata={"note": "fewer than two scored days"})
    (day, today), (_, before) = days
    change = abs(today - before) / before if before else 0.0
    return AssetCheckResult(
        passed=change <= MAX_MEAN_DRIFT,
        severity=AssetCheckSeverity.WARN,
        metadata={"day": str(day), "mean_today": today, "mean_previous_day": before, "relative_change": change},
    )


churn_checks = [churn_scores_in_range, churn_scores_cover_eligible_customers, churn_model_not_below_baseline,
                churn_scores_drift]
