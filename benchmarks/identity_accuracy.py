"""Identity accuracy against the generator's ground truth: pairwise precision, recall and F1,
and cluster-level precision, recall and F1 (a customer is right when it holds exactly one
person's records, all of them).

    python -m benchmarks.identity_accuracy [--data-dir data]            # the published map
    python -m benchmarks.identity_accuracy [--data-dir data] --compare  # rules alone vs rules + splink

The first reads marts.customer_identity_map; `--compare` re-resolves
intermediate.int_identity_records in memory twice (deterministic rules only, then with the
probabilistic pass) without writing anything, and times both. Pairs are counted from
cluster sizes, never enumerated, so this works at millions of records.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import duckdb
import pandas as pd

from config.settings import pipeline_config

SCORES_SQL = """
WITH joined AS (
    SELECT m.customer_id, t.person_id
    FROM {identity_map} m
    JOIN {truth} t USING (source_system, source_record_id)
),
cells AS (SELECT customer_id, person_id, count(*) AS n FROM joined GROUP BY ALL),
customers AS (SELECT customer_id, count(*) AS n, count(DISTINCT person_id) AS persons FROM joined GROUP BY 1),
persons AS (SELECT person_id, count(*) AS n FROM joined GROUP BY 1),
-- window sums, not joins: a filter such as cells.n = customers.n can be planned as a join on n
cell_totals AS (
    SELECT n, sum(n) OVER (PARTITION BY customer_id) AS customer_n, sum(n) OVER (PARTITION BY person_id) AS person_n
    FROM cells
),
exact AS (SELECT count(*) AS n FROM cell_totals WHERE n = customer_n AND n = person_n)
SELECT
    (SELECT count(*) FROM joined),
    (SELECT sum(n * (n - 1) / 2) FROM customers),
    (SELECT sum(n * (n - 1) / 2) FROM persons),
    (SELECT sum(n * (n - 1) / 2) FROM cells),
    (SELECT count(*) FROM customers),
    (SELECT count(*) FROM persons),
    (SELECT n FROM exact)
"""


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _scores(con: duckdb.DuckDBPyConnection, identity_map: str, truth: str) -> dict[str, float | int]:
    row = con.execute(SCORES_SQL.format(identity_map=identity_map, truth=truth)).fetchall()[0]
    records, predicted, actual, correct, customers, persons, exact = (float(v or 0) for v in row)
    precision = correct / predicted if predicted else 1.0
    recall = correct / actual if actual else 1.0
    c_precision = exact / customers if customers else 1.0
    c_recall = exact / persons if persons else 1.0
    return {
        "records": int(records),
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "customers": int(customers),
        "persons": int(persons),
        "cluster_precision": c_precision,
        "cluster_recall": c_recall,
        "cluster_f1": _f1(c_precision, c_recall),
    }


def pairwise_scores(con: duckdb.DuckDBPyConnection, person_map: str) -> dict[str, float | int]:
    """Scores of marts.customer_identity_map ("same customer" vs "same person")."""
    return _scores(con, "marts.customer_identity_map", f"read_parquet('{person_map}')")


def frame_scores(resolved: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float | int]:
    """Scores of an in-memory identity map (source_system, source_record_id, customer_id)."""
    from ml.identity.duck import connect

    with connect() as con:
        con.register("resolved", resolved)
        con.register("truth", truth)
        return _scores(con, "resolved", "truth")


def compare(data_dir: Path) -> list[dict]:
    """Rules alone, then rules + probabilistic pass, on the warehouse's identity records."""
    from ml.identity.resolve import RECORD_COLUMNS, RECORDS_RELATION, resolve_frame
    from ml.identity.rules import RuleConfig

    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        records = con.execute(f"SELECT {', '.join(RECORD_COLUMNS)} FROM {RECORDS_RELATION}").df()
    truth = pd.read_parquet(data_dir / "ground_truth" / "person_map.parquet")
    cfg = RuleConfig.from_dict(pipeline_config()["identity"])
    out = []
    for name, c in (("deterministic", cfg.rules_only()), ("deterministic + probabilistic", cfg)):
        start = time.perf_counter()
        result = resolve_frame(records, None, c)
        seconds = time.perf_counter() - start
        out.append({"pass": name, "seconds": seconds, **frame_scores(result.resolved, truth),
                    "decisions": result.pairs["decision"].value_counts().to_dict()})
    return out


def _line(s: dict) -> str:
    return (f"{s['records']:,} records: pairwise precision {s['precision']:.4f}, recall {s['recall']:.4f}, "
            f"F1 {s['f1']:.4f}; cluster precision {s['cluster_precision']:.4f}, recall {s['cluster_recall']:.4f}, "
            f"F1 {s['cluster_f1']:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("C360_DATA_DIR", "data")))
    parser.add_argument("--compare", action="store_true", help="rules alone vs rules + probabilistic, in memory")
    args = parser.parse_args()
    if args.compare:
        for s in compare(args.data_dir):
            print(f"{s['pass']:30s} {_line(s)}; {s['seconds']:.1f} s; pairs {s['decisions']}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process: {peak:,.0f} MB")
        return
    with duckdb.connect(str(args.data_dir / "warehouse.duckdb"), read_only=True) as con:
        s = pairwise_scores(con, str(args.data_dir / "ground_truth" / "person_map.parquet"))
    print(_line(s))


if __name__ == "__main__":
    main()
