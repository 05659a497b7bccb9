"""Identity accuracy against the generator's ground truth: pairwise precision, recall and F1.

    python -m benchmarks.identity_accuracy [--data-dir data]

Reads marts.customer_identity_map and data/ground_truth/person_map.parquet. Pairs are counted
from cluster sizes, never enumerated, so this works at millions of records.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import duckdb


def pairwise_scores(con: duckdb.DuckDBPyConnection, person_map: str) -> dict[str, float | int]:
    """Precision/recall/F1 of "same customer" pairs versus "same person" pairs."""
    pairs = "sum(n * (n - 1) / 2)"
    row = con.execute(
        f"""
        WITH joined AS (
            SELECT m.customer_id, t.person_id
            FROM marts.customer_identity_map m
            JOIN read_parquet('{person_map}') t USING (source_system, source_record_id)
        )
        SELECT
            (SELECT count(*) FROM joined),
            (SELECT {pairs} FROM (SELECT count(*) AS n FROM joined GROUP BY customer_id)),
            (SELECT {pairs} FROM (SELECT count(*) AS n FROM joined GROUP BY person_id)),
            (SELECT {pairs} FROM (SELECT count(*) AS n FROM joined GROUP BY customer_id, person_id))
        """
    ).fetchall()[0]
    records, predicted, actual, correct = (float(v or 0) for v in row)
    precision = correct / predicted if predicted else 1.0
    recall = correct / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"records": int(records), "precision": precision, "recall": recall, "f1": f1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("C360_DATA_DIR", "data")))
    args = parser.parse_args()
    with duckdb.connect(str(args.data_dir / "warehouse.duckdb"), read_only=True) as con:
        s = pairwise_scores(con, str(args.data_dir / "ground_truth" / "person_map.parquet"))
    print(f"{s['records']:,} records: pairwise precision {s['precision']:.4f}, recall {s['recall']:.4f}, "
          f"F1 {s['f1']:.4f}")


if __name__ == "__main__":
    main()
