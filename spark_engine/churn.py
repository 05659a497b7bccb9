"""Churn scoring on the Spark engine: ml/churn's score_frame applied to each partition of customers
(mapInPandas) with the same model file, so the executors, not the driver, hold the features."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ml.churn import registry
from ml.churn.run import ELIGIBLE, FEATURES_RELATION, score_frame
from ml.churn.tables import SCORES_COLUMNS, SCORES_TABLE
from spark_engine.tables import spark_schema, write_table


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


def score_churn_on_spark(spark, day: dt.date, model_path: Path, bands: dict[str, float], partitions: int) -> int:
    """Replace the day's rows of marts.churn_scores (partitioned by as_of_date); returns rows written."""
    write_table(spark, churn_scores_frame(spark, day, model_path, bands, partitions), SCORES_TABLE,
                partition_by="as_of_date")
    return spark.table(SCORES_TABLE).where(f"as_of_date = date'{day.isoformat()}'").count()
