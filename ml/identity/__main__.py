"""Resolve identities in a warehouse without Dagster (development and tests).

    python -m ml.identity --data-dir data [--run-date YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

import duckdb

from config.settings import pipeline_config
from ml.identity.resolve import resolve
from ml.identity.rules import RuleConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("C360_DATA_DIR", "data")))
    parser.add_argument("--run-date", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args()
    with duckdb.connect(str(args.data_dir / "warehouse.duckdb")) as con:
        stats = resolve(con, RuleConfig.from_dict(pipeline_config()["identity"]), args.run_date,
                        args.data_dir / "models")
    print(stats)


if __name__ == "__main__":
    main()
