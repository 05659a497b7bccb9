"""Prints what a pipeline run produced and where to look at it (the end of `make demo`)."""

from __future__ import annotations

import duckdb

from config.settings import paths
from tools.outputs_doc import MARTS


def main() -> None:
    p = paths()
    with duckdb.connect(str(p.warehouse), read_only=True) as con:
        landed, loaded, rejected = con.execute(
            "SELECT sum(rows_landed), sum(rows_loaded), sum(rows_rejected) FROM raw.load_log"
        ).fetchall()[0]
        print(f"\nIngestion: {landed:,} rows landed = {loaded:,} loaded + {rejected:,} rejected (raw.rejects)")
        print(f"\nOutput tables (schema marts) in {p.warehouse}:")
        for table in MARTS:
            n = con.execute(f"SELECT count(*) FROM marts.{table}").fetchall()[0][0]
            print(f"  marts.{table:28s} {n:>12,} rows")
    print(
        "\nNext:\n"
        f"  {p.warehouse}: open it read-only with any DuckDB client or BI driver\n"
        "  make ui        → http://localhost:3000 : assets, runs, checks, the backfill\n"
        "  make run DATE=YYYY-MM-DD     the nightly job for one day\n"
    )


if __name__ == "__main__":
    main()
