"""Next best offers on the Spark engine: ml/nbo's queries and rules. In catalog mode the propensity
model is trained on the driver from the exposures known on the retraining day (as on DuckDB) and
ml/nbo's rank_customers runs on each partition of customers (mapInPandas); product mode, whose
co-occurrence matrix spans every buyer, runs on the driver as on DuckDB."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ml.nbo.rank import OUTPUT_COLUMNS
from ml.nbo.rules import NboRules, not_contactable_reason, valid_offers
from ml.nbo.run import (
    CONTEXT,
    OFFERS_COLUMNS,
    OFFERS_TABLE,
    DayOutcome,
    Models,
    catalog_as_of,
    customers_sql,
    products_for_day,
    rank_customers,
    resolve_mode,
)
from spark_engine.connection import SparkConnection
from spark_engine.tables import ensure_table, like_duckdb, spark_schema, write_table


def _catalog_offers(spark, con: SparkConnection, rules: NboRules, day: dt.date, models: Models, partitions: int):
    """The day's ranked offers (a lazy Spark DataFrame) and the outcome's stats but the rows."""
    out = DayOutcome(day, mode="catalog")
    catalog = catalog_as_of(con, day)
    offers = valid_offers(catalog, day)
    model = out.model = models.for_day(day, catalog)
    customers = spark.sql(customers_sql(), args=[day]).repartition(partitions, "customer_id")

    def rank_partition(batches):
        for batch in batches:
            if len(batch):
                frame, _ = rank_customers(like_duckdb(batch), offers, model, rules, day)
                yield frame[list(OUTPUT_COLUMNS)]

    def reasons(batches):
        for batch in batches:
            why = not_contactable_reason(like_duckdb(batch), rules.contact_policy)
            yield pd.DataFrame({"reason": why.to_numpy(dtype=str)})

    counts = dict(customers.mapInPandas(reasons, "reason string").groupBy("reason").count().collect())
    out.stats = {
        "customers": sum(counts.values()),
        "contactable": counts.pop("", 0),
        "not_contactable": counts,
        "valid_offers": len(offers),
    }
    return customers.mapInPandas(rank_partition, spark_schema(OFFERS_COLUMNS)), out


def run_day_on_spark(spark, rules: NboRules, day: dt.date, models: Models, partitions: int) -> DayOutcome:
    """ml/nbo's run_day: replace the day's partition of marts.next_best_offers."""
    con = SparkConnection(spark)
    ensure_table(spark, OFFERS_TABLE, OFFERS_COLUMNS, partition_by="as_of_date")
    if not spark.catalog.tableExists(CONTEXT):
        raise RuntimeError(f"{CONTEXT} does not exist: build the dbt marts step first")
    if resolve_mode(con, rules, day) == "catalog":
        ranked, out = _catalog_offers(spark, con, rules, day, models, partitions)
    else:
        ranked, out = products_for_day(con, rules, day)
    # An overwrite of no rows would leave the day's old rows: the day goes first.
    spark.sql(f"ALTER TABLE {OFFERS_TABLE} DROP IF EXISTS PARTITION (as_of_date = date'{day.isoformat()}')")
    write_table(spark, ranked, OFFERS_TABLE, partition_by="as_of_date")
    written = spark.table(OFFERS_TABLE).where(f"as_of_date = date'{day.isoformat()}'")
    out.stats["rows"] = written.count()
    out.stats["customers_with_offers"] = written.select("customer_id").distinct().count()
    return out
