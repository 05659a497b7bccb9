"""The tables published for BI tools, in reading order, and the column each daily one is partitioned by."""

from __future__ import annotations

# table of schema marts → its date column for the Parquet partitions (None: one file).
SERVED_TABLES: dict[str, str | None] = {
    "dim_customer": None,
    "customer_identity_map": None,
    "fct_customer_activity": "known_date",
    "customer_daily_metrics": "date",
    "customer_360": None,
    "cx_kpis_daily": "date",
    "support_ticket_trends": None,
    "support_recurring_issues": None,
    "feedback_sentiment": "known_date",
    "feedback_sentiment_weekly": None,
    "experience_engagement_bands": "date",
    "churn_scores": "as_of_date",
    "ml_model_registry": None,
    # Built by the next-best-offer step; published from the first night it exists.
    "next_best_offers": "as_of_date",
}

# The identity map, and the daily tables whose customer_id follows it: merges and late
# person-records re-point their older rows (dbt post-hook remap_customer_ids; feedback_sentiment
# is rebuilt every run), so a night can change partitions before its window (serving/reach.py).
# Each with the columns naming the person-record a row's customer_id comes from (None: none do).
IDENTITY_MAP = "customer_identity_map"
REMAPPED_TABLES: dict[str, tuple[str, str] | None] = {
    "fct_customer_activity": ("source_system", "source_record_id"),
    "feedback_sentiment": None,
}
