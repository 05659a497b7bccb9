"""Load every landing file into the warehouse without Dagster (for development and tests).

    python -m ingest --data-dir data
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import duckdb

from config.contract import entities
from ingest.load import ensure_raw_tables, landed_days, load_days


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("C360_DATA_DIR", "data")))
    args = parser.parse_args()
    landing = args.data_dir / "landing"
    all_entities = entities()
    with duckdb.connect(str(args.data_dir / "warehouse.duckdb")) as con:
        ensure_raw_tables(con, all_entities)
        for e in all_entities:
            days = landed_days(e, landing)
            results = load_days(con, e, days, landing)
            landed = sum(r.rows_landed for r in results)
            loaded = sum(r.rows_loaded for r in results)
            rejected = sum(r.rows_rejected for r in results)
            print(
                f"{e.qualified_table:40s} {len(days):4d} files {landed:9d} landed {loaded:9d} loaded "
                f"{rejected:6d} rejected",
                file=sys.stderr,
            )


if __name__ == "__main__":
    main()
