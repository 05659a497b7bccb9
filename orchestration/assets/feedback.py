"""Sentiment of survey comments and ticket subjects, between ingestion and the marts."""

from dagster import AssetExecutionContext, AssetKey, BackfillPolicy, MaterializeResult, MetadataValue, asset

from config.settings import engine
from ml.sentiment.score import MODEL
from ml.sentiment.text_sentiment import TABLE, update_text_sentiment
from orchestration.metadata import markdown_table
from orchestration.partitions import daily_partitions
from orchestration.resources import Warehouse, on_spark
from orchestration.run_day import partition_days

TEXT_SENTIMENT_KEY = AssetKey(["feedback", "text_sentiment"])


@asset(
    key=TEXT_SENTIMENT_KEY,
    deps=[AssetKey(["raw", "support", "surveys"]), AssetKey(["raw", "support", "tickets"])],
    description=(
        "Sentiment (VADER, a lexicon model shipped in its package) of every survey comment and ticket subject, "
        "one row per record, from the first version that carried text; a run scores only the texts that first "
        "landed on its days. Feeds the experience score and marts.feedback_sentiment."
    ),
    group_name="feedback",
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    kinds={"python", engine()},
    owners=["team:data-science"],
)
def text_sentiment(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    days = partition_days(context)
    if on_spark(warehouse):
        from spark_engine.feedback import update_text_sentiment_on_spark

        stats = update_text_sentiment_on_spark(warehouse.session(), days[0], days[-1])
    else:
        with warehouse.get_connection() as con:
            stats = update_text_sentiment(con, days[0], days[-1])
    with warehouse.get_connection() as con:
        # counts only: the texts themselves may hold personal data and stay in the warehouse
        by_kind = con.execute(
            f"SELECT text_kind, sentiment_label, count(*), round(avg(compound), 3) FROM {TABLE} "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
    return MaterializeResult(
        metadata={
            "dagster/row_count": sum(r[2] for r in by_kind),
            "texts_scored": stats.texts,
            "distinct_texts_scored": stats.distinct_texts,
            "model": MODEL,
            "labels_of_this_run": stats.by_label,
            "all_texts": MetadataValue.md(markdown_table(["kind", "label", "texts", "mean compound"], by_kind)),
        }
    )
