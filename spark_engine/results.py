"""quality.validation_results on the Spark engine: a Parquet table partitioned by run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import astuple, fields

import pandas as pd

from quality.results import RESULTS_TABLE, ValidationRow
from spark_engine.tables import replace_rows

COLUMNS = [f.name for f in fields(ValidationRow)] + ["checked_at"]


def record_results_on_spark(spark, rows: Iterable[ValidationRow]) -> int:
    """As quality.results.record_results: a retried step replaces what its earlier attempt stored."""
    rows = list(rows)
    if not rows:
        return 0
    checked_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    frame = pd.DataFrame([[*astuple(r), checked_at] for r in rows], columns=COLUMNS).astype(
        {"rows_validated": "Int64", "passed": bool})
    replace_rows(spark, RESULTS_TABLE, frame, ["check_name", "asset", "run_id"], partition_by="run_id")
    return len(rows)
