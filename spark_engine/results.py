"""quality.validation_results on the Spark engine: a Parquet table partitioned by run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import astuple, fields

import pandas as pd

from quality.results import RESULTS_TABLE, ValidationRow
from spark_engine.tables import write_table

COLUMNS = [f.name for f in fields(ValidationRow)] + ["checked_at"]


def record_results_on_spark(spark, rows: Iterable[ValidationRow]) -> int:
    """As quality.results.record_results: a retried step replaces what its earlier attempt stored
    (its run's partition is rewritten without the rows of the same checks and assets)."""
    rows = list(rows)
    if not rows:
        return 0
    checked_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    frame = pd.DataFrame([[*astuple(r), checked_at] for r in rows], columns=COLUMNS).astype(
        {"rows_validated": "Int64", "passed": bool})
    if spark.catalog.tableExists(RESULTS_TABLE):
        run_ids = sorted(set(frame.run_id))
        stored = spark.table(RESULTS_TABLE).where(spark.table(RESULTS_TABLE).run_id.isin(run_ids)).toPandas()
        key = ["check_name", "asset", "run_id"]
        kept = stored[~pd.MultiIndex.from_frame(stored[key]).isin(pd.MultiIndex.from_frame(frame[key]))]
        frame = pd.concat([kept[COLUMNS].astype(frame.dtypes.to_dict()), frame], ignore_index=True)
    write_table(spark, frame, RESULTS_TABLE, partition_by="run_id")
    return len(rows)
