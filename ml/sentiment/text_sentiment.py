"""feedback.text_sentiment: one row per customer text (survey comment, ticket subject) with
its sentiment, maintained per window of landing days.

Point in time: a text is the one of the first version of its record that carried any text,
and `landed_date` is the day that version landed, so the row of a record never changes once
landed and dbt counts it from that day (a backfill of day D sees what the nightly run of D saw).
Incremental: a run replaces the rows whose landed_date lies in its window and scores only
their texts; earlier rows stay as they were."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from ml.sentiment.score import MODEL, score_texts
from ml.warehouse import transaction

SCHEMA = "feedback"
TABLE = f"{SCHEMA}.text_sentiment"
COLUMNS = """
    text_kind VARCHAR NOT NULL, record_id VARCHAR NOT NULL, requester_id VARCHAR, ticket_id VARCHAR,
    survey_type VARCHAR, text_at TIMESTAMP, landed_date DATE NOT NULL, text VARCHAR NOT NULL,
    compound DOUBLE NOT NULL, positive DOUBLE NOT NULL, neutral DOUBLE NOT NULL, negative DOUBLE NOT NULL,
    sentiment_label VARCHAR NOT NULL, sentiment_model VARCHAR NOT NULL, scored_at TIMESTAMP NOT NULL,
    PRIMARY KEY (text_kind, record_id)
"""

# The first version of each record that carried text, among the raw rows (every landed version).
# Portable SQL: the Spark engine runs it too (spark_engine/feedback.py).
FIRST_TEXTS = """
SELECT text_kind, record_id, requester_id, ticket_id, survey_type, text_at, landed_date, text
FROM (
    SELECT 'survey_comment' AS text_kind, survey_id AS record_id, requester_id, ticket_id, survey_type,
           submitted_at AS text_at, _partition_date AS landed_date, trim(comment) AS text,
           row_number() OVER (PARTITION BY survey_id ORDER BY _partition_date, _row_number) AS version
    FROM raw.support__surveys WHERE nullif(trim(comment), '') IS NOT NULL
    UNION ALL
    SELECT 'ticket_subject', ticket_id, requester_id, ticket_id, NULL,
           opened_at, _partition_date, trim(subject),
           row_number() OVER (PARTITION BY ticket_id ORDER BY _partition_date, _row_number)
    FROM raw.support__tickets WHERE nullif(trim(subject), '') IS NOT NULL
)
WHERE version = 1 AND landed_date BETWEEN ? AND ?
"""


@dataclass
class SentimentStats:
    texts: int = 0
    distinct_texts: int = 0
    by_label: dict[str, int] = field(default_factory=dict)


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({COLUMNS})")


def update_text_sentiment(con: duckdb.DuckDBPyConnection, first: dt.date, last: dt.date) -> SentimentStats:
    """Replaces the rows of landing days first..last (inclusive) in one transaction."""
    ensure_table(con)
    texts, stats = with_sentiment(con.execute(FIRST_TEXTS, [first, last]).df())
    with transaction(con, new_texts=texts):
        con.execute(f"DELETE FROM {TABLE} WHERE landed_date BETWEEN ? AND ?", [first, last])
        con.execute(f"INSERT INTO {TABLE} BY NAME SELECT * FROM new_texts")
    return stats


def with_sentiment(texts: pd.DataFrame) -> tuple[pd.DataFrame, SentimentStats]:
    """The rows of FIRST_TEXTS with their sentiment columns (any engine's query result)."""
    scores = score_texts(texts["text"])
    for column in ("compound", "positive", "neutral", "negative"):
        texts[column] = [getattr(scores[t], column) for t in texts["text"]]
    texts["sentiment_label"] = [scores[t].label for t in texts["text"]]
    texts["sentiment_model"] = MODEL
    texts["scored_at"] = pd.Timestamp(dt.datetime.now(dt.UTC).replace(tzinfo=None))
    return texts, SentimentStats(
        texts=len(texts),
        distinct_texts=len(scores),
        by_label=texts["sentiment_label"].value_counts().sort_index().to_dict(),
    )
