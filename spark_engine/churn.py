"""Churn on the Spark engine: ml/churn's training (a bounded sample of snapshots on the driver)
with its registry as a Spark table, and its score_frame applied to each partition of customers
(mapInPandas) with the same model file, so the executors, not the driver, hold the features."""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from functools import partial
from pathlib import Path

import pandas as pd

from ml.churn import registry
from ml.churn.config import ChurnConfig
from ml.churn.run import ELIGIBLE, FEATURES_RELATION, DayOutcome, score_frame, train_if_due
from ml.churn.tables import REGISTRY_COLUMNS, REGISTRY_TABLE, SCORES_COLUMNS, SCORES_TABLE
from spark_engine.connection import SparkConnection
from spark_engine.tables import ensure_table, read_frame, replace_rows, spark_schema, write_table


def current_model_on_spark(spark, day: dt.date) -> dict | None:
    """registry.current_model, read from the Spark table."""
    ensure_table(spark, REGISTRY_TABLE, REGISTRY_COLUMNS)
    rows = read_frame(spark, f"SELECT * FROM {REGISTRY_TABLE} WHERE train_as_of_date <= ? "
                             "ORDER BY train_as_of_date DESC, trained_at DESC LIMIT 1", [day])
    return None if rows.empty else rows.iloc[0].to_dict()


def record_on_spark(spark, row: dict) -> None:
    """registry.record: insert or replace a version's row (a retraining keeps its first trained_at)."""
    rows = pd.DataFrame([row], columns=list(REGISTRY_COLUMNS))
    if spark.catalog.tableExists(REGISTRY_TABLE):
        first = spark.table(REGISTRY_TABLE).where(f"model_version = '{row['model_version']}'").select("trained_at")
        for (trained_at,) in first.take(1):
            rows["trained_at"] = trained_at
    replace_rows(spark, REGISTRY_TABLE, rows, ["model_version"], spark_schema(REGISTRY_COLUMNS))


def train_if_due_on_spark(spark, cfg: ChurnConfig, day: dt.date, start: dt.date, models_dir: Path) -> DayOutcome:
    return train_if_due(partial(nullcontext, SparkConnection(spark)), cfg, day, start, models_dir,
                        current_model=lambda d: current_model_on_spark(spark, d),
                        record=lambda row: record_on_spark(spark, row))


def churn_scores_frame(spark, day: dt.date, model_path: Path, bands: dict[str, float], partitions: int):
    """The churn_scores rows of `day` as a Spark DataFrame (lazy): the eligible customers' features,
    hashed into `partitions` groups of customers, each scored where it lies."""
    definition = registry.load_model(str(model_path))["definition"]
    features = (
        spark.table(FEATURES_RELATION)
        .where(f"as_of_date = date'{day.isoformat()}' and {ELIGIBLE[definition]}")
        .repartition(partitions, "customer_id")
    )
    path = str(model_path)

    def score(batches):
        bundle = registry.load_model(path)  # once per Python worker (cached)
        for batch in batches:
            if len(batch):
                yield score_frame(bundle, batch, bands)

    return features.mapInPandas(score, spark_schema(SCORES_COLUMNS))


def score_day_on_spark(spark, cfg: ChurnConfig, day: dt.date, models_dir: Path, partitions: int) -> DayOutcome:
    """ml/churn's score_day: replace the day's partition of marts.churn_scores with the scores of
    the model current on `day` (none when there is no model)."""
    out = DayOutcome(day)
    ensure_table(spark, SCORES_TABLE, SCORES_COLUMNS, partition_by="as_of_date")
    model = current_model_on_spark(spark, day)
    if model is None:
        out.skipped = "no churn model trained by this day"
        spark.sql(f"ALTER TABLE {SCORES_TABLE} DROP IF EXISTS PARTITION (as_of_date = date'{day.isoformat()}')")
        return out
    model_path = registry.model_file(models_dir, model["model_version"])
    write_table(spark, churn_scores_frame(spark, day, model_path, cfg.risk_bands, partitions), SCORES_TABLE,
                partition_by="as_of_date")
    scored = spark.table(SCORES_TABLE).where(f"as_of_date = date'{day.isoformat()}'").count()
    out.scores = {"model_version": model["model_version"], "customers_eligible": scored, "customers_scored": scored}
    return out
