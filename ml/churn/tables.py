"""The two output tables the churn step writes (documented in docs/outputs.md)."""

SCORES_TABLE = "marts.churn_scores"
REGISTRY_TABLE = "marts.ml_model_registry"

SCORES_COLUMNS = {
    "as_of_date": "DATE",
    "customer_id": "VARCHAR",
    "churn_probability": "DOUBLE",
    "risk_band": "VARCHAR",
    "reason_1": "VARCHAR",
    "reason_2": "VARCHAR",
    "reason_3": "VARCHAR",
    "annual_value": "DOUBLE",
    "revenue_at_risk": "DOUBLE",
    "churn_definition": "VARCHAR",
    "model_version": "VARCHAR",
}

REGISTRY_COLUMNS = {
    "model_version": "VARCHAR",
    "trained_at": "TIMESTAMP",
    "train_as_of_date": "DATE",
    "churn_definition": "VARCHAR",
    "horizon_days": "INTEGER",
    "training_window_start": "DATE",
    "training_window_end": "DATE",
    "validation_window_start": "DATE",
    "validation_window_end": "DATE",
    "training_rows": "BIGINT",
    "training_positives": "BIGINT",
    "validation_rows": "BIGINT",
    "validation_positives": "BIGINT",
    "features": "VARCHAR",
    "served_model": "VARCHAR",
    "promoted": "BOOLEAN",
    "promotion_reason": "VARCHAR",
    "auc": "DOUBLE",
    "pr_auc": "DOUBLE",
    "brier": "DOUBLE",
    "lift_top_decile": "DOUBLE",
    "grade": "VARCHAR",
    "gbm_auc": "DOUBLE",
    "recency_rule_auc": "DOUBLE",
    "recency_rule_pr_auc": "DOUBLE",
    "recency_rule_brier": "DOUBLE",
    "recency_rule_lift_top_decile": "DOUBLE",
    "logistic_regression_auc": "DOUBLE",
    "logistic_regression_pr_auc": "DOUBLE",
    "logistic_regression_brier": "DOUBLE",
    "logistic_regression_lift_top_decile": "DOUBLE",
    "model_path": "VARCHAR",
}
