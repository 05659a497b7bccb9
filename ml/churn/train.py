"""Training on labelled point-in-time snapshots, with a time-based split and a promotion rule.

Snapshot dates are split by time: the newest for validation, the ones before for calibration
and the rest for training. Snapshots whose horizon would reach into the validation period are
dropped, so no label of the training or calibration data is known only after validation begins.
Every candidate (the gradient-boosted model and the two baselines) is fitted on the training
dates and calibrated (Platt scaling) on the calibration dates; all are compared on the
validation dates. The gradient-boosted model is served only if it beats both baselines on
validation AUC; otherwise the better baseline is, with the reason recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator

from ml.churn.config import ChurnConfig
from ml.churn.features import FEATURE_NAMES
from ml.churn.metrics import evaluate, grade
from ml.churn.models import candidates

MODEL = "gradient_boosting"
BASELINES = ("recency_rule", "logistic_regression")
TRAINING_KEYS = ("horizon_days", "inactivity_days", "snapshot_every_days", "max_snapshots", "validation_snapshots",
                 "calibration_snapshots", "seed", "gbm")


class InsufficientDataError(ValueError):
    """Too little history, too few customers or churners to train and validate a model."""


@dataclass
class Split:
    train: pd.DataFrame
    calibration: pd.DataFrame
    validation: pd.DataFrame

    def window(self, part: str) -> tuple[dt.date, dt.date]:
        dates = getattr(self, part)["as_of_date"]
        return dates.min(), dates.max()


@dataclass
class TrainedModel:
    version: str
    definition: str
    horizon_days: int
    train_as_of: dt.date
    model: object  # fitted and calibrated; predict_proba on FEATURE_NAMES columns
    candidates: dict[str, object]  # every fitted and calibrated candidate, the served one included
    served: str
    promoted: bool
    promotion_reason: str
    metrics: dict[str, dict[str, float]]  # candidate → validation metrics
    typical: dict[str, float]  # feature → median over training rows (for reason codes)
    validation_probability: np.ndarray  # of the served model, aligned with split.validation
    split: Split
    fingerprint: str

    @property
    def grade(self) -> str:
        return grade(self.metrics[self.served])


def as_float(frame: pd.DataFrame) -> pd.DataFrame:
    """Features as float64 with NaN for missing (the warehouse returns nullable integers)."""
    return frame.assign(**{c: frame[c].astype("float64") for c in FEATURE_NAMES})


def split_by_time(snapshots: pd.DataFrame, cfg: ChurnConfig, horizon_days: int) -> Split:
    dates = sorted(snapshots["as_of_date"].unique())
    needed = cfg.validation_snapshots + cfg.calibration_snapshots + 2
    if len(dates) < needed:
        raise InsufficientDataError(
            f"{len(dates)} labelled snapshot dates (every {cfg.snapshot_every_days} days, horizon elapsed); "
            f"need at least {needed}: {cfg.validation_snapshots} validation + {cfg.calibration_snapshots} "
            "calibration + 2 training — wait for more history"
        )
    valid_dates = dates[-cfg.validation_snapshots :]
    # A snapshot's label is known horizon_days after it: keep only those known before validation starts.
    last_usable = valid_dates[0] - dt.timedelta(days=horizon_days)
    earlier = [d for d in dates[: -cfg.validation_snapshots] if d <= last_usable]
    if len(earlier) < cfg.calibration_snapshots + 2:
        raise InsufficientDataError(
            f"only {len(earlier)} snapshot dates end their {horizon_days}-day horizon before validation starts "
            f"on {valid_dates[0]}; need {cfg.calibration_snapshots + 2} — wait for more history"
        )
    cal_dates, train_dates = earlier[-cfg.calibration_snapshots :], earlier[: -cfg.calibration_snapshots]
    part = snapshots["as_of_date"]
    return Split(
        train=snapshots[part.isin(train_dates)],
        calibration=snapshots[part.isin(cal_dates)],
        validation=snapshots[part.isin(valid_dates)],
    )


def check_enough(split: Split, cfg: ChurnConfig) -> None:
    customers = split.train["customer_id"].nunique()
    counts = {name: int(getattr(split, name)["label"].sum()) for name in ("train", "calibration", "validation")}
    problems = []
    if customers < cfg.min_customers:
        problems.append(f"{customers} customers in training (need {cfg.min_customers})")
    for name, positives in counts.items():
        need = cfg.min_positives if name == "train" else max(cfg.min_positives // 4, 1)
        if positives < need:
            problems.append(f"{positives} churners in {name} (need {need})")
    if problems:
        raise InsufficientDataError("too little data to train a churn model: " + "; ".join(problems))


def choose_served(metrics: dict[str, dict[str, float]]) -> tuple[str, bool, str]:
    """(served candidate, whether the model was promoted, why) from validation metrics."""
    model_auc = metrics[MODEL]["auc"]
    best_baseline = max(BASELINES, key=lambda b: metrics[b]["auc"])
    baseline_auc = metrics[best_baseline]["auc"]
    if model_auc > baseline_auc:
        return MODEL, True, (
            f"validation AUC {model_auc:.4f} beats the best baseline, {best_baseline} ({baseline_auc:.4f})"
        )
    return best_baseline, False, (
        f"validation AUC {model_auc:.4f} does not beat {best_baseline} ({baseline_auc:.4f}): serving the baseline"
    )


def fingerprint(snapshots: pd.DataFrame, cfg: ChurnConfig, definition: str) -> str:
    """Same data, features and configuration → same fingerprint → same model version."""
    data = pd.util.hash_pandas_object(
        snapshots[["as_of_date", "customer_id", "label", *FEATURE_NAMES]], index=False
    ).to_numpy()
    h = hashlib.sha256(data.tobytes())
    # Only what shapes the model: risk bands or the retraining weekday do not.
    shaping = {k: getattr(cfg, k) for k in TRAINING_KEYS}
    h.update(json.dumps({"cfg": shaping, "features": FEATURE_NAMES, "definition": definition},
                        sort_keys=True, default=str).encode())
    return h.hexdigest()


def train(snapshots: pd.DataFrame, cfg: ChurnConfig, definition: str, horizon_days: int,
          train_as_of: dt.date) -> TrainedModel:
    """Fit, calibrate and compare the candidates on `snapshots` (as_of_date, customer_id, label, features)."""
    snapshots = as_float(snapshots).assign(as_of_date=pd.to_datetime(snapshots["as_of_date"]).dt.date)
    snapshots = snapshots.sort_values(["as_of_date", "customer_id"], ignore_index=True)
    split = split_by_time(snapshots, cfg, horizon_days)
    check_enough(split, cfg)
    fitted, metrics, predicted = {}, {}, {}
    for name, estimator in candidates(cfg.gbm, cfg.seed).items():
        estimator.fit(split.train[FEATURE_NAMES], split.train["label"].to_numpy())
        calibrated = CalibratedClassifierCV(FrozenEstimator(estimator), method="sigmoid")
        calibrated.fit(split.calibration[FEATURE_NAMES], split.calibration["label"].to_numpy())
        p = calibrated.predict_proba(split.validation[FEATURE_NAMES])[:, 1]
        fitted[name], predicted[name] = calibrated, p
        metrics[name] = evaluate(split.validation["label"].to_numpy(), p)
    served, promoted, reason = choose_served(metrics)
    fp = fingerprint(snapshots, cfg, definition)
    return TrainedModel(
        version=f"churn-{definition[:3]}-{train_as_of:%Y%m%d}-{fp[:8]}",
        definition=definition,
        horizon_days=horizon_days,
        train_as_of=train_as_of,
        model=fitted[served],
        candidates=fitted,
        served=served,
        promoted=promoted,
        promotion_reason=reason,
        metrics=metrics,
        typical={f: float(v) for f, v in split.train[FEATURE_NAMES].median().items()},
        validation_probability=predicted[served],
        split=split,
        fingerprint=fp,
    )
