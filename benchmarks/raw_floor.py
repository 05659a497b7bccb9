"""The floor for ingestion: the time DuckDB takes to read one landing day's extracts once,
untyped and unchecked (what no loader can beat on this machine)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb

from config.contract import entities

READERS = {
    "csv": "read_csv(?, all_varchar = true, header = true)",
    "jsonl": "read_json(?, format = 'newline_delimited')",
    "parquet": "read_parquet(?)",
}


def read_day(landing_root: Path, day: dt.date) -> dict:
    """Seconds and rows to read every entity's file of `day` into DuckDB and count it."""
    rows, files = 0, 0
    t0 = time.perf_counter()
    with duckdb.connect() as con:
        for entity in entities():
            path = entity.landing_file(landing_root, day.isoformat())
            if path.exists():
                rows += con.execute(f"SELECT count(*) FROM {READERS[entity.format]}", [str(path)]).fetchone()[0]
                files += 1
    return {"days": f"{day}..{day}", "wall_s": round(time.perf_counter() - t0, 2), "files": files, "rows_in": rows}
