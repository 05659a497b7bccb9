"""The churn step against the warehouse, one day at a time: retrain when due, then score.

Reads features.churn_features / features.churn_labels (built by dbt), writes model files under
data/models/churn/ and the tables marts.ml_model_registry and marts.churn_scores. Everything
for day D uses only rows known by D, so a backfill of D reproduces the nightly run of D.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ml.churn import registry
from ml.churn.config import DEFINITIONS, ChurnConfig
from ml.churn.explain import reasons
from ml.churn.features import FEATURE_NAMES
from ml.churn.tables import SCORES_COLUMNS, SCORES_TABLE
from ml.churn.train import InsufficientDataError, TrainedModel, as_float, train
from ml.warehouse import ddl, transaction

FEATURES_RELATION = "features.churn_features"
LABELS_RELATION = "features.churn_labels"
ELIGIBLE = {"subscription": "is_subscriber", "transactional": "is_recent_buyer"}


@dataclass
class DayOutcome:
    day: dt.date
    trained: TrainedModel | None = None
    skipped: str | None = None  # why a due training or the day's scores could not be made
    scores: dict = field(default_factory=dict)


def resolve_definition(con: duckdb.DuckDBPyConnection, cfg: ChurnConfig, day: dt.date) -> str:
    """The configured definition, or for `auto` the one the data supports: subscription churn
    when any labelled snapshot known by `day` has subscribers, else transactional churn."""
    if cfg.definition in DEFINITIONS:
        return cfg.definition
    subscribers = con.execute(
        f"SELECT count(*) FROM {LABELS_RELATION} WHERE horizon_end_date <= ? AND subscription_eligible", [day]
    ).fetchall()[0][0]
    return "subscription" if subscribers else "transactional"


def training_snapshots(
    con: duckdb.DuckDBPyConnection, cfg: ChurnConfig, definition: str, day: dt.date, start: dt.date
) -> pd.DataFrame:
    """Labelled snapshots known by `day`: every snapshot_every_days-th as_of_date since `start`
    whose horizon has ended by `day`, the latest max_snapshots of them, eligible customers only
    (at most max_training_customers of them). SQL both engines run (spark_engine/churn.py)."""
    label = f"churned_{definition}"
    known = con.execute(
        f"SELECT DISTINCT as_of_date FROM {LABELS_RELATION} WHERE horizon_end_date <= ? ORDER BY as_of_date DESC",
        [day],
    ).fetchall()
    dates = [d for (d,) in known if (d - start).days % cfg.snapshot_every_days == 0][: cfg.max_snapshots]
    columns = ["as_of_date", "customer_id", "label", *FEATURE_NAMES]
    if not dates:
        return pd.DataFrame(columns=columns)
    return con.execute(
        f"""
        WITH eligible AS (
            SELECT * FROM {LABELS_RELATION}
            WHERE as_of_date IN ({", ".join("?" * len(dates))}) AND {definition}_eligible
        ),
        sampled AS (
            SELECT customer_id FROM (SELECT DISTINCT customer_id FROM eligible) AS c
            ORDER BY md5(customer_id) LIMIT ?
        )
        SELECT f.as_of_date, f.customer_id, CAST(l.{label} AS INTEGER) AS label,
            {", ".join(f"f.{c}" for c in FEATURE_NAMES)}
        FROM eligible l
        JOIN sampled s ON s.customer_id = l.customer_id
        JOIN {FEATURES_RELATION} f ON f.as_of_date = l.as_of_date AND f.customer_id = l.customer_id
        ORDER BY f.as_of_date, f.customer_id
        """,
        [*dates, cfg.max_training_customers],
    ).df()


def train_if_due(
    connect: Callable[[], AbstractContextManager],
    cfg: ChurnConfig,
    day: dt.date,
    start: dt.date,
    models_dir: Path,
    current_model: Callable[[dt.date], dict | None] | None = None,
    record: Callable[[dict], None] | None = None,
) -> DayOutcome:
    """Train as of `day` on the retraining weekday, or when no model trained before `day` exists
    (so re-running a day retrains exactly when its first run did). The registry is the DuckDB
    table of the warehouse unless `current_model` and `record` say otherwise (the Spark engine's).

    `connect()` opens a connection to the warehouse: one reads the training data, another records
    the model. DuckDB keeps the blocks a query read cached while its connection is open (4.2 GiB
    after the snapshots at a million customers), memory the fit between them needs."""
    out = DayOutcome(day)
    try:
        with connect() as con:
            latest = current_model or partial(registry.current_model, con)
            if day.weekday() != cfg.retrain_weekday and latest(day - dt.timedelta(days=1)):
                return out
            definition = resolve_definition(con, cfg, day)
            snapshots = training_snapshots(con, cfg, definition, day, start)
        trained = train(snapshots, cfg, definition, cfg.horizon_days, day)
    except InsufficientDataError as e:
        out.skipped = str(e)
        return out
    path = registry.save_model(models_dir, trained)
    row = registry.registry_row(trained, path, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    with connect() as con:
        (record or partial(registry.record, con))(row)
    out.trained = trained
    return out


def risk_band(p: np.ndarray, bands: dict[str, float]) -> np.ndarray:
    return np.where(p >= bands["high"], "high", np.where(p >= bands["medium"], "medium", "low"))


def score_frame(bundle: dict, features: pd.DataFrame, bands: dict[str, float]) -> pd.DataFrame:
    """churn_scores rows for the given feature rows (one as_of_date)."""
    features = as_float(features)
    p = bundle["model"].predict_proba(features[FEATURE_NAMES])[:, 1]
    why = reasons(bundle["model"], features, bundle["typical"])
    return pd.DataFrame(
        {
            "as_of_date": features["as_of_date"].to_numpy(),
            "customer_id": features["customer_id"].to_numpy(),
            "churn_probability": np.round(p, 6),
            "risk_band": risk_band(p, bands),
            "reason_1": why[:, 0],
            "reason_2": why[:, 1],
            "reason_3": why[:, 2],
            "annual_value": features["annual_value"].to_numpy(dtype=float),
            "revenue_at_risk": np.round(p * features["annual_value"].to_numpy(dtype=float), 2),
            "churn_definition": bundle["definition"],
            "model_version": bundle["version"],
        },
        columns=list(SCORES_COLUMNS),
    )


def score_day(
    con: duckdb.DuckDBPyConnection, cfg: ChurnConfig, day: dt.date, models_dir: Path, out: DayOutcome | None = None
) -> DayOutcome:
    """Replace the day's churn_scores with the scores of the model current on `day`."""
    out = out or DayOutcome(day)
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(ddl(SCORES_TABLE, SCORES_COLUMNS))
    model = registry.current_model(con, day)
    frame = pd.DataFrame(columns=list(SCORES_COLUMNS))
    if model is None:
        out.skipped = out.skipped or "no churn model trained by this day"
    else:
        bundle = registry.load_model(str(registry.model_file(models_dir, model["model_version"])))
        features = con.execute(
            f"SELECT * FROM {FEATURES_RELATION} WHERE as_of_date = ? AND {ELIGIBLE[bundle['definition']]} "
            "ORDER BY customer_id",
            [day],
        ).df()
        if len(features):
            frame = score_frame(bundle, features, cfg.risk_bands)
        out.scores = {
            "model_version": model["model_version"],
            "customers_eligible": len(features),
            "customers_scored": len(frame),
        }
    with transaction(con, _scores=frame):
        con.execute(f"DELETE FROM {SCORES_TABLE} WHERE as_of_date = ?", [day])
        if len(frame):
            con.execute(f"INSERT INTO {SCORES_TABLE} SELECT * FROM _scores")
    return out
