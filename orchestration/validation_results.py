"""Validation results (GX expectations, dbt tests) into quality.validation_results, on the run's engine."""

from __future__ import annotations

from collections.abc import Iterable

from orchestration.resources import Warehouse, on_spark
from quality.results import ValidationRow, record_results


def record_validation(warehouse: Warehouse, rows: Iterable[ValidationRow]) -> int:
    rows = list(rows)
    if on_spark(warehouse):
        from spark_engine.results import record_results_on_spark

        return record_results_on_spark(warehouse.session(), rows)
    with warehouse.get_connection() as con:
        return record_results(con, rows)
