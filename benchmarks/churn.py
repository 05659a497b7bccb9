"""Churn model quality on a held-out later period, and the cost of scoring at scale.

    python -m benchmarks.churn [--data-dir data] [--as-of YYYY-MM-DD] [--score-rows 1000000]

Needs a warehouse built by the pipeline (`make demo`) and the generator's ground truth.
Quality: trains as of the last day whose snapshots allow it (or --as-of) exactly as the
pipeline does, and reports AUC, PR-AUC, Brier and top-decile lift of the model and both
baselines on the validation period (the newest snapshot dates, after a gap of one horizon).
Reference: the same model given the generator's latent person traits as extra features —
the best this data allows, as far as the ground truth knows it.
Scale: the last day's feature rows resampled to --score-rows customers, scored with reasons.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator

from config.settings import partitions_start, pipeline_config
from ml.churn.config import ChurnConfig
from ml.churn.features import FEATURE_NAMES
from ml.churn.metrics import evaluate
from ml.churn.models import gradient_boosting
from ml.churn.run import ELIGIBLE, FEATURES_RELATION, resolve_definition, score_frame, training_snapshots
from ml.churn.train import TrainedModel, train

TRAITS = ["satisfaction", "engagement_propensity", "price_sensitivity", "payment_risk"]


def person_of_customer(con: duckdb.DuckDBPyConnection, truth: Path) -> pd.DataFrame:
    """customer_id -> the person most of its records belong to (ground truth)."""
    return con.execute(
        f"""
        WITH votes AS (
            SELECT m.customer_id, t.person_id, count(*) AS n
            FROM marts.customer_identity_map m
            JOIN read_parquet('{truth / "person_map.parquet"}') t USING (source_system, source_record_id)
            GROUP BY 1, 2
        )
        SELECT customer_id, arg_max(person_id, n) AS person_id FROM votes GROUP BY 1
        """
    ).df()


def latent_traits(con: duckdb.DuckDBPyConnection, truth: Path) -> pd.DataFrame:
    """customer_id → traits of the person most of its records belong to."""
    persons = pd.read_parquet(truth / "persons.parquet", columns=["person_id", *TRAITS])
    return person_of_customer(con, truth).merge(persons, on="person_id").drop(columns="person_id")


def quality(
    con: duckdb.DuckDBPyConnection, cfg: ChurnConfig, as_of: dt.date, truth: Path
) -> tuple[pd.DataFrame, TrainedModel]:
    definition = resolve_definition(con, cfg, as_of)
    snapshots = training_snapshots(con, cfg, definition, as_of, partitions_start())
    trained = train(snapshots, cfg, definition, cfg.horizon_days, as_of)
    rows = dict(trained.metrics)
    # The reference: the same model with the latent traits the generator drew churn from.
    traits = latent_traits(con, truth)
    split = trained.split
    parts = [p.merge(traits, on="customer_id", how="left") for p in (split.train, split.calibration, split.validation)]
    cols = FEATURE_NAMES + TRAITS
    oracle = gradient_boosting(cfg.gbm, cfg.seed).fit(parts[0][cols], parts[0]["label"])
    oracle = CalibratedClassifierCV(FrozenEstimator(oracle), method="sigmoid").fit(parts[1][cols], parts[1]["label"])
    rows["reference_with_ground_truth_traits"] = evaluate(
        parts[2]["label"].to_numpy(), oracle.predict_proba(parts[2][cols])[:, 1]
    )
    table = pd.DataFrame(rows).T
    print(
        f"definition {definition}, horizon {trained.horizon_days} days, trained as of {as_of}; "
        f"train {'..'.join(map(str, split.window('train')))}, "
        f"validation {'..'.join(map(str, split.window('validation')))} "
        f"({len(split.validation):,} snapshots, {int(split.validation['label'].sum())} churners); "
        f"served: {trained.served} — {trained.promotion_reason}",
        file=sys.stderr,
    )
    ratio = rows[trained.served]["auc"] / rows["reference_with_ground_truth_traits"]["auc"]
    print(f"served AUC / reference AUC = {ratio:.3f}", file=sys.stderr)
    return table, trained


def scoring_cost(con: duckdb.DuckDBPyConnection, cfg: ChurnConfig, trained, rows: int) -> dict:
    """Seconds to score `rows` customers with reasons, with the served model and the
    gradient-boosted one, and the process's peak memory."""
    day = con.execute(f"SELECT max(as_of_date) FROM {FEATURES_RELATION}").fetchall()[0][0]
    eligible = ELIGIBLE[trained.definition]
    base = con.execute(f"SELECT * FROM {FEATURES_RELATION} WHERE as_of_date = ? AND {eligible}", [day]).df()
    rng = np.random.default_rng(0)
    big = base.iloc[rng.integers(0, len(base), rows)].reset_index(drop=True)
    big["customer_id"] = [f"B{i:08d}" for i in range(rows)]
    out = {"rows": rows}
    for name in dict.fromkeys([trained.served, "gradient_boosting"]):
        bundle = {"model": trained.candidates[name], "typical": trained.typical, "definition": trained.definition,
                  "version": trained.version}
        t = time.perf_counter()
        score_frame(bundle, big, cfg.risk_bands)
        out[f"{name}_seconds"] = round(time.perf_counter() - t, 1)
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("C360_DATA_DIR", "data")))
    parser.add_argument("--as-of", type=dt.date.fromisoformat)
    parser.add_argument("--score-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    cfg = ChurnConfig.from_dict(pipeline_config()["churn"])
    with duckdb.connect(str(args.data_dir / "warehouse.duckdb"), read_only=True) as con:
        as_of = args.as_of or con.execute("SELECT max(horizon_end_date) FROM features.churn_labels").fetchall()[0][0]
        t = time.perf_counter()
        table, trained = quality(con, cfg, as_of, args.data_dir / "ground_truth")
        print(f"training + reference: {time.perf_counter() - t:.1f} s", file=sys.stderr)
        print(table.round(4).to_markdown())
        if args.score_rows:
            print(f"scoring {args.score_rows:,} customers with reasons …", file=sys.stderr)
            print(scoring_cost(con, cfg, trained, args.score_rows))


if __name__ == "__main__":
    main()
