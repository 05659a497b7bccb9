"""Next best offers on the Spark engine (catalog mode): ml/nbo's queries, the propensity model
trained on the driver from the exposures known on the retraining day (as on DuckDB), and
ml/nbo's rank_customers applied to each partition of customers (mapInPandas)."""

from __future__ import annotations

import datetime as dt

from ml.nbo.propensity import train
from ml.nbo.rank import OUTPUT_COLUMNS
from ml.nbo.rules import NboRules, valid_offers
from ml.nbo.run import (
    CATALOG_SQL,
    EXAMPLES_SQL,
    OFFERS_COLUMNS,
    OFFERS_TABLE,
    customers_sql,
    rank_customers,
    training_day,
    with_offer_columns,
)
from spark_engine.tables import like_duckdb, read_frame, spark_schema, write_table


def offers_on_spark(spark, rules: NboRules, day: dt.date, partitions: int) -> int:
    """Replace the day's rows of marts.next_best_offers (partitioned by as_of_date); returns rows written."""
    catalog = read_frame(spark, CATALOG_SQL, [day])
    examples = read_frame(spark, EXAMPLES_SQL, [training_day(day, rules.model.retrain_weekday)])
    model = train(with_offer_columns(examples, catalog), catalog, rules.model)
    offers = valid_offers(catalog, day)
    customers = spark.sql(customers_sql(), args=[day]).repartition(partitions, "customer_id")

    def rank_partition(batches):
        for batch in batches:
            if len(batch):
                frame, _ = rank_customers(like_duckdb(batch), offers, model, rules, day)
                yield frame[list(OUTPUT_COLUMNS)]

    ranked = customers.mapInPandas(rank_partition, spark_schema(OFFERS_COLUMNS))
    write_table(spark, ranked, OFFERS_TABLE, partition_by="as_of_date")
    return spark.table(OFFERS_TABLE).where(f"as_of_date = date'{day.isoformat()}'").count()
