"""A window of landing days through the pipeline on the Spark engine, step for step as the Dagster
job runs it on DuckDB: raw tables → dbt (pre-identity) → identity → sentiment → dbt (marts) →
churn scores of the last day with a given model file → that day's next best offers (catalog mode).

    python -m spark_engine.pipeline --from 2026-01-01 --to 2026-01-28 [--churn-model FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from contextlib import contextmanager
from pathlib import Path

from config.settings import offer_rules, paths, pipeline_config
from ml.churn.config import ChurnConfig
from ml.identity.rules import RuleConfig
from ml.nbo.rules import NboRules
from orchestration.dbt_args import churn_vars, nbo_vars, window_vars
from spark_engine.churn import score_churn_on_spark
from spark_engine.dbt_run import dbt_spark
from spark_engine.feedback import update_text_sentiment_on_spark
from spark_engine.identity import resolve_on_spark
from spark_engine.nbo import offers_on_spark
from spark_engine.raw_tables import load_raw
from spark_engine.session import spark_session


@contextmanager
def _timed(seconds: dict[str, float], step: str):
    start = time.perf_counter()
    yield
    seconds[step] = round(time.perf_counter() - start, 1)


def run_window(first: dt.date, last: dt.date, churn_model: Path | None = None) -> dict[str, float]:
    """Run landing days first..last (inclusive) on Spark; returns the seconds of each step."""
    seconds: dict[str, float] = {}
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    with _timed(seconds, "session"):
        spark = spark_session()
    with _timed(seconds, "raw_tables"):
        load_raw(spark, days, paths().landing)
    with _timed(seconds, "dbt_pre_identity"):
        dbt_spark(["build", "--selector", "pre_identity"])
    with _timed(seconds, "identity"):
        resolve_on_spark(spark, RuleConfig.from_dict(pipeline_config()["identity"]), last)
    with _timed(seconds, "sentiment"):
        update_text_sentiment_on_spark(spark, first, last)
    dbt_vars = window_vars(first.isoformat(), last.isoformat()) | churn_vars(pipeline_config()["churn"]) | nbo_vars(
        offer_rules())
    with _timed(seconds, "dbt_marts"):
        dbt_spark(["build", "--selector", "marts", "--vars", json.dumps(dbt_vars, sort_keys=True)])
    if churn_model is not None:
        partitions = pipeline_config()["spark"]["scoring_partitions"]
        bands = ChurnConfig.from_dict(pipeline_config()["churn"]).risk_bands
        with _timed(seconds, "churn_scores"):
            score_churn_on_spark(spark, last, churn_model, bands, partitions)
        with _timed(seconds, "next_best_offers"):
            offers_on_spark(spark, NboRules.from_dict(offer_rules()), last, partitions)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="first", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--to", dest="last", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--churn-model", type=Path,
                        help="a model file (data/models/churn/) to score the last day with, then rank its offers")
    args = parser.parse_args()
    seconds = run_window(args.first, args.last, args.churn_model)
    print(json.dumps({**seconds, "total": round(sum(seconds.values()), 1)}))


if __name__ == "__main__":
    main()
