"""feedback.text_sentiment on the Spark engine: ml/sentiment's query and scorer, a Spark table."""

from __future__ import annotations

import datetime as dt

from ml.sentiment.text_sentiment import FIRST_TEXTS, TABLE, SentimentStats, with_sentiment
from spark_engine.tables import write_table


def update_text_sentiment_on_spark(spark, first: dt.date, last: dt.date) -> SentimentStats:
    """Replace the rows of landing days first..last (inclusive), partitioned by landing day."""
    texts, stats = with_sentiment(spark.sql(FIRST_TEXTS, args=[first, last]).toPandas())
    if len(texts):
        write_table(spark, texts, TABLE, partition_by="landed_date")
    return stats
