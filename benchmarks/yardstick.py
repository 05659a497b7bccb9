"""How fast the machine is at the moment: fixed work timed, so that benchmark runs made on machines
of different speed can be told apart and compared (the same kind of machine has run the same
benchmark 2-3 times slower on some days).

Two parts, as a pipeline run has: DuckDB's (every dbt model, the publish) and the Python
interpreter's (Dagster, dbt's own start and events, pandas glue). Each is the median of three
timings, since the machine's speed moves within a minute as well.
"""

from __future__ import annotations

import json
import statistics
import time

import duckdb


def _duckdb_work() -> None:
    with duckdb.connect() as con:
        con.execute("SET threads = 2; SET enable_progress_bar = false")
        con.execute(
            "SELECT count(*), sum(total) FROM (SELECT i % 1000003 AS k, sum(i) AS total "
            "FROM range(10000000) t(i) GROUP BY k)"
        ).fetchall()


def _python_work() -> None:
    events = [{"step": f"step_{i % 40}", "partition": f"2026-01-{i % 28 + 1:02d}", "rows": i, "ok": True}
              for i in range(40_000)]
    for _ in range(2):
        events = [json.loads(json.dumps(e, sort_keys=True)) for e in events]


def _median_s(work, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times), 2)


def yardstick() -> dict[str, float]:
    """Seconds the fixed DuckDB and Python work take now: larger is a slower machine."""
    return {"duckdb_s": _median_s(_duckdb_work), "python_s": _median_s(_python_work)}
