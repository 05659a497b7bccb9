"""Expectation suites as plain data: the raw layer's from the landing contract, the marts' here.

Kept free of Great Expectations imports (slow) so that the suites can be listed and tested
cheaply; quality/gx_validate.py turns them into GX expectations when it validates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from config.contract import LINEAGE_COLUMNS, Entity

ERROR, WARN = "error", "warn"


@dataclass(frozen=True)
class Expectation:
    type: str  # a GX 1.x expectation type, e.g. expect_column_values_to_not_be_null
    kwargs: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        k = self.kwargs
        if "column_A" in k:
            target = f"{k['column_A']}, {k['column_B']}"
        else:
            target = k.get("column") or ",".join(k.get("column_list", []))
        return f"{self.type}({target})" if target else self.type


@dataclass(frozen=True)
class Suite:
    name: str
    level: str  # error: fails the check and blocks downstream; warn: annotates
    expectations: tuple[Expectation, ...]


# --- raw layer: every expectation derived from the contract -------------------------------

KNOWN_BY = "_known_by"  # end of the landing day: nothing a file says can have happened later


def raw_schema_suite(entity: Entity) -> Suite:
    """The raw table's columns and types equal the contract's (frame: quality.frames.schema_frame)."""
    return Suite(
        f"{entity.table}.schema",
        ERROR,
        (
            Expectation("expect_column_pair_values_to_be_equal",
                        {"column_A": "expected_type", "column_B": "actual_type"}),
            Expectation("expect_table_row_count_to_equal",
                        {"value": len(entity.columns) + len(LINEAGE_COLUMNS)}),
        ),
    )


def raw_rows_suite(entity: Entity) -> Suite:
    """Keys present and unique within a landing day, required values present, value sets kept."""
    exps = [Expectation("expect_column_values_to_not_be_null", {"column": c.name})
            for c in entity.columns if c.required]
    exps.append(Expectation("expect_compound_columns_to_be_unique",
                            {"column_list": [*entity.key, "_partition_date"]}))
    exps += [Expectation("expect_column_values_to_be_in_set", {"column": c.name, "value_set": list(c.values)})
             for c in entity.columns if c.values]
    return Suite(f"{entity.table}.rows", ERROR, tuple(exps))


def raw_plausibility_suite(entity: Entity) -> Suite:
    """Ranges, and no event after the landing day that reported it (warnings)."""
    exps = [
        Expectation("expect_column_values_to_be_between",
                    {"column": c.name, "min_value": c.min, "max_value": c.max})
        for c in entity.columns if c.min is not None or c.max is not None
    ]
    exps += [
        Expectation("expect_column_pair_values_a_to_be_greater_than_b",
                    {"column_A": KNOWN_BY, "column_B": c.name, "or_equal": True,
                     "ignore_row_if": "either_value_is_missing"})
        for c in entity.columns if c.type in ("timestamp", "date") and not c.may_be_future
    ]
    return Suite(f"{entity.table}.plausibility", WARN, tuple(exps))


def raw_volume_suite(entity: Entity) -> Suite:
    """Each day's rows within the band of recent days (frame: quality.frames.volume_frame; days
    without enough history have no band and pass)."""
    skip = {"or_equal": True, "ignore_row_if": "either_value_is_missing"}
    return Suite(
        f"{entity.table}.volume",
        WARN,
        (
            Expectation("expect_column_pair_values_a_to_be_greater_than_b",
                        {"column_A": "rows_landed", "column_B": "band_low", **skip}),
            Expectation("expect_column_pair_values_a_to_be_greater_than_b",
                        {"column_A": "band_high", "column_B": "rows_landed", **skip}),
        ),
    )


def raw_plausibility_columns(entity: Entity) -> list[str]:
    return [c.name for c in entity.columns
            if c.min is not None or c.max is not None or (c.type in ("timestamp", "date") and not c.may_be_future)]


def raw_rows_columns(entity: Entity) -> list[str]:
    return [c.name for c in entity.columns if c.required or c.values or c.name in entity.key]


# --- marts: keys and integrity aggregated in DuckDB (one summary row), values on a sample -----

def integrity_suite(name: str, expect_rows: bool = False) -> Suite:
    """On a summary row (quality.frames.integrity_frame): keys present and unique, every customer
    known to dim_customer and, with expect_rows, as many rows as dim_customer has customers."""
    exps = [
        Expectation("expect_column_pair_values_to_be_equal", {"column_A": "rows", "column_B": "distinct_keys"}),
        Expectation("expect_column_values_to_be_between", {"column": "null_keys", "min_value": 0, "max_value": 0}),
        Expectation("expect_column_values_to_be_between",
                    {"column": "unknown_customers", "min_value": 0, "max_value": 0}),
    ]
    if expect_rows:
        exps.append(Expectation("expect_column_pair_values_to_be_equal",
                                {"column_A": "rows", "column_B": "expected_rows"}))
    return Suite(f"{name}.integrity", ERROR, tuple(exps))


def customer_360_scores_suite() -> Suite:
    return Suite(
        "customer_360.scores",
        ERROR,
        tuple(
            Expectation("expect_column_values_to_be_between", {"column": c, "min_value": 0, "max_value": 100})
            for c in ("engagement_score", "experience_score")
        ),
    )


def cx_kpis_suite() -> Suite:
    """Company KPIs are sane numbers: one row per date, rates and survey scores on their scales."""
    between = [("nps", -100, 100), ("csat_avg", 1, 5), ("effort_avg", 1, 7), ("churn_rate", 0, 1),
               ("tickets_opened", 0, None), ("known_customers", 0, None), ("mrr", 0, None)]
    return Suite(
        "cx_kpis_daily.sanity",
        ERROR,
        (
            Expectation("expect_column_values_to_not_be_null", {"column": "date"}),
            Expectation("expect_column_values_to_be_unique", {"column": "date"}),
            *(Expectation("expect_column_values_to_be_between", {"column": c, "min_value": lo, "max_value": hi})
              for c, lo, hi in between),
            Expectation("expect_column_pair_values_a_to_be_greater_than_b",
                        {"column_A": "known_customers", "column_B": "active_customers", "or_equal": True}),
        ),
    )
