"""Churn training and scoring for a range of days without Dagster (development, benchmarks).

    python -m ml.churn --data-dir data --from 2026-03-01 --to 2026-06-29

Needs the features schema built by dbt (selector `marts`). Same functions as the Dagster assets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from contextlib import nullcontext
from functools import partial
from pathlib import Path

import duckdb

from config.settings import partitions_start, pipeline_config
from ml.churn.config import ChurnConfig
from ml.churn.run import score_day, train_if_due


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("C360_DATA_DIR", "data")))
    parser.add_argument("--from", dest="first", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--to", dest="last", type=dt.date.fromisoformat, required=True)
    args = parser.parse_args()
    cfg = ChurnConfig.from_dict(pipeline_config()["churn"])
    days = [args.first + dt.timedelta(days=i) for i in range((args.last - args.first).days + 1)]
    with duckdb.connect(str(args.data_dir / "warehouse.duckdb")) as con:
        for i, day in enumerate(days, 1):
            outcome = train_if_due(partial(nullcontext, con), cfg, day, partitions_start(), args.data_dir / "models")
            if outcome.trained:
                t = outcome.trained
                print(f"{day}: trained {t.version}: {t.promotion_reason}; grade {t.grade}", file=sys.stderr)
            outcome = score_day(con, cfg, day, args.data_dir / "models", outcome)
            scored = outcome.scores.get("customers_scored", 0)
            print(f"[{i}/{len(days)}] {day}: {scored:,} customers scored"
                  + (f" ({outcome.skipped})" if not scored and outcome.skipped else ""), file=sys.stderr)


if __name__ == "__main__":
    main()
