"""The next-best-offer step against the warehouse, one day at a time.

Reads the feature tables dbt builds (features.offer_customer_context, churn_features,
offer_exposure_examples, customer_product_purchases), the catalog and the day's
marts.churn_scores; writes marts.next_best_offers for the day in one transaction. Everything
for day D uses only rows known by D and the model retrained from the exposures known on the
last retraining weekday, so a re-run or backfill of D gives the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ml.nbo import products as product_mode
from ml.nbo.groups import assign
from ml.nbo.propensity import CUSTOMER_FEATURES, PropensityModel, category_share, train
from ml.nbo.rank import OUTPUT_COLUMNS, rank
from ml.nbo.rules import NboRules, eligible_pairs, not_contactable_reason, valid_offers
from ml.nbo.store import load_or_train
from ml.warehouse import ddl, relation_exists, transaction

CONTEXT = "features.offer_customer_context"
FEATURES = "features.churn_features"
EXAMPLES = "features.offer_exposure_examples"
PURCHASES = "features.customer_product_purchases"
CATALOG = "staging.stg_marketing__offers"
PRODUCTS = "staging.stg_sales__products"
CHURN_SCORES = "marts.churn_scores"
OFFERS_TABLE = "marts.next_best_offers"
OFFERS_COLUMNS = {
    "as_of_date": "DATE",
    "customer_id": "VARCHAR",
    "rank": "INTEGER",
    "offer_id": "VARCHAR",
    "score": "DOUBLE",
    "expected_value": "DOUBLE",
    "reason": "VARCHAR",
    "assignment_group": "VARCHAR",
}
assert tuple(OFFERS_COLUMNS) == OUTPUT_COLUMNS
# customers ranked at a time, in DuckDB vectors of 2,048 rows: about 100,000
RANK_BATCH_VECTORS = 50


@dataclass
class DayOutcome:
    day: dt.date
    mode: str = ""
    model: PropensityModel | None = None
    stats: dict = field(default_factory=dict)


def resolve_mode(con: duckdb.DuckDBPyConnection, rules: NboRules, day: dt.date) -> str:
    if rules.mode != "auto":
        return rules.mode
    if relation_exists(con, CATALOG):
        landed = con.execute(f"SELECT count(*) FROM {CATALOG} WHERE first_landed_date <= ?", [day]).fetchall()[0][0]
        if landed:
            return "catalog"
    return "products"


def training_day(day: dt.date, weekday: int) -> dt.date:
    """The last retraining weekday on or before `day`."""
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


# The queries of the catalog step take the day as their one parameter; portable SQL, the Spark
# engine runs them too (spark_engine/nbo.py).
CATALOG_SQL = (
    f"SELECT offer_id, offer_name, product_category, offer_type, offer_value, valid_from, valid_to "
    f"FROM {CATALOG} WHERE first_landed_date <= ? ORDER BY offer_id"
)
EXAMPLES_SQL = f"SELECT * FROM {EXAMPLES} WHERE label_known_date <= ? AND exposed_date > ? ORDER BY exposure_id"


def customers_sql() -> str:
    """The day's context per customer with their churn features and churn risk band (NULL for
    customers the churn model does not score)."""
    # The context already carries these (a second column of the same name is ambiguous on Spark).
    in_context = ("is_subscriber", "offers_shown_in_period", "days_since_last_purchase")
    features = ", ".join(f"f.{c}" for c in CUSTOMER_FEATURES if c not in in_context)
    return (
        f"SELECT c.*, {features}, s.risk_band FROM {CONTEXT} c "
        f"JOIN {FEATURES} f ON f.as_of_date = c.as_of_date AND f.customer_id = c.customer_id "
        f"LEFT JOIN {CHURN_SCORES} s ON s.as_of_date = c.as_of_date AND s.customer_id = c.customer_id "
        "WHERE c.as_of_date = ? ORDER BY c.customer_id"
    )


def catalog_as_of(con: duckdb.DuckDBPyConnection, day: dt.date) -> pd.DataFrame:
    return con.execute(CATALOG_SQL, [day]).df()


def with_offer_columns(examples: pd.DataFrame, catalog: pd.DataFrame) -> pd.DataFrame:
    cols = catalog[["offer_id", "product_category", "offer_type", "offer_value"]]
    return examples.merge(cols, on="offer_id", how="inner")


class Models:
    """Propensity models by training day, trained once per run and reused for its days; with
    `models_dir`, also kept on disk for the nights after it until the next retraining day."""

    def __init__(self, con: duckdb.DuckDBPyConnection, rules: NboRules, models_dir: Path | None = None):
        self.con, self.rules, self.models_dir, self._cache = con, rules, models_dir, {}

    def for_day(self, day: dt.date, catalog: pd.DataFrame) -> PropensityModel:
        cfg = self.rules.model
        when = training_day(day, cfg.retrain_weekday)
        if when not in self._cache:
            examples = pd.DataFrame(columns=["exposure_id", "offer_id", "accepted", "exposed_date", "plan"])
            if relation_exists(self.con, EXAMPLES):
                since = when - dt.timedelta(days=cfg.training_window_days) if cfg.training_window_days else dt.date.min
                examples = self.con.execute(EXAMPLES_SQL, [when, since]).df()
            examples = with_offer_columns(examples, catalog)
            self._cache[when] = (
                load_or_train(examples, catalog, cfg, self.models_dir) if self.models_dir
                else train(examples, catalog, cfg)
            )
        return self._cache[when]


def customers_as_of(con: duckdb.DuckDBPyConnection, day: dt.date) -> pd.DataFrame:
    return con.execute(customers_sql(), [day]).df()


def customer_batches(con: duckdb.DuckDBPyConnection, day: dt.date, vectors: int) -> Iterator[pd.DataFrame]:
    """The day's customers (customers_sql) in frames of `vectors` x 2,048 rows; at least one frame,
    empty when there is nobody."""
    result = con.execute(customers_sql(), [day])
    batch = result.fetch_df_chunk(vectors)
    yield batch
    while len(batch := result.fetch_df_chunk(vectors)):
        yield batch


def offers_for_day(con: duckdb.DuckDBPyConnection, rules: NboRules, day: dt.date, models: Models) -> tuple:
    """The day's ranked catalog offers and what happened on the way (for metadata)."""
    out = DayOutcome(day, mode="catalog")
    catalog = catalog_as_of(con, day)
    offers = valid_offers(catalog, day)
    # before the customers' query: a connection keeps one open result
    out.model = models.for_day(day, catalog)
    frames, stats = [], []
    # The pairs repeat every customer column once per eligible offer: a million customers (5.5M
    # pairs) ranked at once peaked at 7.9 GiB, a batch at a time at 1.9 GiB (docs/benchmarks.md).
    for customers in customer_batches(con, day, RANK_BATCH_VECTORS):
        frame, batch_stats = rank_customers(customers, offers, out.model, rules, day)
        frames.append(frame)
        stats.append(batch_stats)
    out.stats = summed(stats) | {"valid_offers": len(offers)}
    return pd.concat(frames, ignore_index=True), out


def summed(stats: list[dict]) -> dict:
    """The statistics of batches of disjoint customers as one: counts added, and the counts by
    reason (dicts) added per reason."""
    return {
        key: dict(sum((Counter(s[key]) for s in stats), Counter())) if isinstance(stats[0][key], dict)
        else sum(s[key] for s in stats)
        for key in stats[0]
    }


def rank_customers(
    customers: pd.DataFrame, offers: pd.DataFrame, model: PropensityModel, rules: NboRules, day: dt.date
) -> tuple[pd.DataFrame, dict]:
    """Ranked offers of some customers (each customer's rows depend on that customer alone, so any
    partition of the customers gives the same rows: the Spark engine ranks one per executor task)."""
    customers = customers.assign(assignment_group=assign(
        customers["customer_id"], rules.groups.salt, rules.groups.holdout_share, rules.groups.explore_share
    ))
    why_not = not_contactable_reason(customers, rules.contact_policy)
    contactable = customers[(why_not == "").to_numpy()].reset_index(drop=True)
    pairs = eligible_pairs(contactable, offers, rules)
    pairs["category_share"] = category_share(pairs)
    pairs["viewed_share"] = category_share(pairs, "viewed_")
    pairs["score"] = model.predict(pairs)
    frame = rank(pairs, rules, day)
    return frame, {
        "customers": len(customers),
        "contactable": len(contactable),
        "not_contactable": {k: int(v) for k, v in why_not[why_not != ""].value_counts().items()},
        "eligible_pairs": len(pairs),
        "customers_with_offers": int(frame["customer_id"].nunique()),
    }


def products_for_day(con: duckdb.DuckDBPyConnection, rules: NboRules, day: dt.date) -> tuple:
    """Product mode: top-K products per customer from their purchases and co-occurrence."""
    out = DayOutcome(day, mode="products")
    customers = con.execute(
        f"SELECT customer_id, marketing_opt_in, unsubscribed, offers_shown_in_period FROM {CONTEXT} "
        "WHERE as_of_date = ? ORDER BY customer_id",
        [day],
    ).df()
    why_not = not_contactable_reason(customers, rules.contact_policy)
    contactable = customers[(why_not == "").to_numpy()].reset_index(drop=True)
    catalog = con.execute(f"SELECT product_id, product_name, list_price FROM {PRODUCTS} ORDER BY product_id").df()
    start = day - dt.timedelta(days=rules.products.lookback_days)
    purchases = con.execute(
        f"SELECT customer_id, order_id, product_id FROM {PURCHASES} WHERE known_date <= ? AND order_date > ?",
        [day, start],
    ).df()
    ids, items = contactable["customer_id"].to_numpy(dtype=str), catalog["product_id"].to_numpy(dtype=str)
    frame = pd.DataFrame(columns=list(OUTPUT_COLUMNS))
    if len(ids) and len(items):
        frame = rank_products(ids, catalog, purchases, rules, day)
    out.stats = {
        "customers": len(customers),
        "contactable": len(contactable),
        "not_contactable": {k: int(v) for k, v in why_not[why_not != ""].value_counts().items()},
        "products": len(items),
        "customers_with_offers": int(frame["customer_id"].nunique()) if len(frame) else 0,
    }
    return frame, out


def rank_products(
    ids: np.ndarray, catalog: pd.DataFrame, purchases: pd.DataFrame, rules: NboRules, day: dt.date
) -> pd.DataFrame:
    items = catalog["product_id"].to_numpy(dtype=str)
    # co-occurrence learns from every buyer, the ranking is for the contactable ones
    buyers = np.union1d(ids, purchases["customer_id"].to_numpy(dtype=str))
    bought_all = product_mode.purchase_matrix(purchases, buyers, items)
    sim = product_mode.cooccurrence(bought_all)
    bought = bought_all[pd.Index(buyers).get_indexer(ids)]
    s = product_mode.scores(bought, sim, rules.products.allow_repurchase)
    best = product_mode.top_k(s["blend"], rules.top_k)
    n, k = best.shape
    rows = np.repeat(np.arange(n), k)
    cols = best.ravel()
    blend = s["blend"][rows, cols]
    keep = np.isfinite(blend)
    rows, cols, blend = rows[keep], cols[keep], blend[keep]
    freq, aff = s["frequency"][rows, cols], s["affinity"][rows, cols]
    price = catalog["list_price"].to_numpy(dtype=float)[cols]
    name = pd.Series(catalog["product_name"].to_numpy(dtype=str)[cols])
    again = "Buys it again: " + pd.Series(np.round(freq * 100).astype(int)).astype(str) + "% of their orders"
    reason = again.where(
        freq > 0, np.where(aff > 0, "Often bought with what they bought", "A best-seller (no purchase history yet)")
    )
    groups = assign(pd.Series(ids), rules.groups.salt, rules.groups.holdout_share, rules.groups.explore_share)
    score = np.clip(blend, 0.0, 1.0)
    return pd.DataFrame(
        {
            "as_of_date": day,
            "customer_id": ids[rows],
            "rank": np.tile(np.arange(1, k + 1), n)[keep],
            "offer_id": items[cols],
            "score": np.round(score, 6),
            "expected_value": np.round(score * price, 4),
            "reason": (name + ": " + reason).to_numpy(),
            "assignment_group": groups[rows],
        },
        columns=list(OUTPUT_COLUMNS),
    )


def run_day(con: duckdb.DuckDBPyConnection, rules: NboRules, day: dt.date, models: Models) -> DayOutcome:
    """Replace the day's next_best_offers."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(ddl(OFFERS_TABLE, OFFERS_COLUMNS))
    if not relation_exists(con, CONTEXT):
        raise RuntimeError(f"{CONTEXT} does not exist: build the dbt marts step first")
    mode = resolve_mode(con, rules, day)
    frame, out = offers_for_day(con, rules, day, models) if mode == "catalog" else products_for_day(con, rules, day)
    with transaction(con, _offers=frame):
        con.execute(f"DELETE FROM {OFFERS_TABLE} WHERE as_of_date = ?", [day])
        if len(frame):
            con.execute(f"INSERT INTO {OFFERS_TABLE} SELECT * FROM _offers")
    out.stats["rows"] = len(frame)
    return out
