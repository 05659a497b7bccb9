"""Model files on disk by version, and the registry table that lists them."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import duckdb
import joblib
import pandas as pd

from ml.churn.features import FEATURE_NAMES
from ml.churn.tables import REGISTRY_COLUMNS, REGISTRY_TABLE
from ml.churn.train import BASELINES, MODEL, TrainedModel
from ml.model_files import write_atomically
from ml.warehouse import ddl, transaction


def model_file(models_dir: Path, version: str) -> Path:
    return models_dir / "churn" / f"{version}.joblib"


def save_model(models_dir: Path, trained: TrainedModel) -> Path:
    bundle = {
        "version": trained.version,
        "definition": trained.definition,
        "model": trained.model,
        "typical": trained.typical,
        "features": FEATURE_NAMES,
    }
    return write_atomically(model_file(models_dir, trained.version), lambda tmp: joblib.dump(bundle, tmp))


@cache
def load_model(path: str) -> dict:
    bundle = joblib.load(path)
    if bundle["features"] != FEATURE_NAMES:
        raise ValueError(f"{path} was trained on other features than ml/churn/features.py lists; retrain it")
    return bundle


def registry_row(trained: TrainedModel, path: Path, trained_at: dt.datetime) -> dict:
    split, served = trained.split, trained.metrics[trained.served]
    row = {
        "model_version": trained.version,
        "trained_at": trained_at,
        "train_as_of_date": trained.train_as_of,
        "churn_definition": trained.definition,
        "horizon_days": trained.horizon_days,
        "training_window_start": split.window("train")[0],
        "training_window_end": split.window("calibration")[1],
        "validation_window_start": split.window("validation")[0],
        "validation_window_end": split.window("validation")[1],
        "training_rows": len(split.train) + len(split.calibration),
        "training_positives": int(split.train["label"].sum() + split.calibration["label"].sum()),
        "validation_rows": len(split.validation),
        "validation_positives": int(split.validation["label"].sum()),
        "features": ",".join(FEATURE_NAMES),
        "served_model": trained.served,
        "promoted": trained.promoted,
        "promotion_reason": trained.promotion_reason,
        **{k: served[k] for k in ("auc", "pr_auc", "brier", "lift_top_decile")},
        "grade": trained.grade,
        "gbm_auc": trained.metrics[MODEL]["auc"],
        "model_path": str(path.name),
    }
    for baseline in BASELINES:
        for k in ("auc", "pr_auc", "brier", "lift_top_decile"):
            row[f"{baseline}_{k}"] = trained.metrics[baseline][k]
    return row


def ensure_registry(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(ddl(REGISTRY_TABLE, REGISTRY_COLUMNS))


def record(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    """Insert or replace a version's row; a retraining of the same version keeps its first trained_at."""
    ensure_registry(con)
    first = con.execute(
        f"SELECT trained_at FROM {REGISTRY_TABLE} WHERE model_version = ?", [row["model_version"]]
    ).fetchall()
    if first:
        row = {**row, "trained_at": first[0][0]}
    with transaction(con, _registry_row=pd.DataFrame([row], columns=list(REGISTRY_COLUMNS))):
        con.execute(f"DELETE FROM {REGISTRY_TABLE} WHERE model_version = ?", [row["model_version"]])
        con.execute(f"INSERT INTO {REGISTRY_TABLE} SELECT * FROM _registry_row")


def current_model(con: duckdb.DuckDBPyConnection, day: dt.date) -> dict | None:
    """The registry row of the model a run of `day` uses: the latest trained as of `day` or before."""
    ensure_registry(con)
    rows = con.execute(
        f"SELECT * FROM {REGISTRY_TABLE} WHERE train_as_of_date <= ? ORDER BY train_as_of_date DESC, trained_at DESC "
        "LIMIT 1",
        [day],
    ).df()
    return None if rows.empty else rows.iloc[0].to_dict()
