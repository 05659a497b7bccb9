"""Score the customer texts of a window of landing days without Dagster (development and tests).

    python -m ml.sentiment --data-dir data --from YYYY-MM-DD --to YYYY-MM-DD
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

import duckdb

from ml.sentiment.text_sentiment import update_text_sentiment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("C360_DATA_DIR", "data")))
    parser.add_argument("--from", dest="first", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--to", dest="last", type=dt.date.fromisoformat, required=True)
    args = parser.parse_args()
    with duckdb.connect(str(args.data_dir / "warehouse.duckdb")) as con:
        print(update_text_sentiment(con, args.first, args.last))


if __name__ == "__main__":
    main()
