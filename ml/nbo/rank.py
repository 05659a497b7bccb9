"""From scored candidate pairs to the day's ranked offers, with a reason per row in words."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ml.nbo.groups import EXPLORE, unit_hash
from ml.nbo.rules import NboRules

OUTPUT_COLUMNS = (
    "as_of_date",
    "customer_id",
    "rank",
    "offer_id",
    "score",
    "expected_value",
    "reason",
    "assignment_group",
)


def _pct(x: pd.Series) -> pd.Series:
    return (x * 100).round().astype(int).astype(str) + "%"


def reasons(pairs: pd.DataFrame, retention_first: np.ndarray) -> pd.Series:
    """What speaks for the offer in the customer's data (by offer type), then the arithmetic."""
    kind = pairs["offer_type"]
    since = pairs["days_since_last_purchase"]
    lapsed = ("no purchase for " + since.fillna(0).astype(int).astype(str) + " days").where(
        since.notna(), "no purchase yet"
    )
    driver = pd.Series(
        np.select(
            [
                (kind == "cross_sell") & (pairs["category_share"] > 0),
                (kind == "cross_sell") & (pairs["viewed_share"] > 0),
                (kind == "upsell") & pairs["plan"].notna(),
                kind == "reactivation",
                kind == "retention",
            ],
            [
                _pct(pairs["category_share"]) + " of their spend is on " + pairs["product_category"].fillna(""),
                _pct(pairs["viewed_share"]) + " of their shop visits are to " + pairs["product_category"].fillna(""),
                "on the " + pairs["plan"].fillna("") + " plan",
                lapsed,
                "churn risk " + pairs["risk_band"].fillna("unknown"),
            ],
            default="",
        ),
        index=pairs.index,
    )
    odds = (
        _pct(pairs["score"]) + " likely to accept × value " + pairs["offer_value"].map("{:g}".format)
        + " = " + pairs["expected_value"].map("{:.2f}".format) + " expected"
    )
    text = (driver + "; " + odds).where(driver != "", odds)
    return text.where(~retention_first, "Retention first (high churn risk); " + text)


def rank(pairs: pd.DataFrame, rules: NboRules, day: dt.date) -> pd.DataFrame:
    """Top-K offers per customer by expected value; explore customers get one random offer.

    `pairs`: eligible (customer, offer) rows with `score` = P(accept), the offer's value, the
    customer's `assignment_group` and `risk_band`, and the spend and view shares of the offer's
    category (`category_share`, `viewed_share`).
    """
    pairs = pairs.copy()
    pairs["expected_value"] = (pairs["score"] * pairs["offer_value"]).round(4)
    retention_first = pairs["offer_type"].isin(rules.retention_types).to_numpy() & pairs["risk_band"].isin(
        rules.retention_first_bands
    ).to_numpy()
    pairs["_priority"] = np.where(retention_first, 0, 1)
    explore = (pairs["assignment_group"] == EXPLORE).to_numpy()
    # explore customers: a random eligible offer, the same one on a re-run of the day
    pairs["_draw"] = 0.0
    keys = (day.isoformat() + ":" + pairs.loc[explore, "customer_id"] + ":" + pairs.loc[explore, "offer_id"]).to_numpy()
    pairs.loc[explore, "_draw"] = unit_hash(keys, "explore")
    pairs.loc[explore, "_priority"] = 0
    pairs = pairs.sort_values(
        ["customer_id", "_priority", "_draw", "expected_value", "offer_id"], ascending=[True, True, True, False, True]
    )
    pairs["rank"] = pairs.groupby("customer_id", sort=False).cumcount() + 1
    keep = np.where(pairs["assignment_group"] == EXPLORE, 1, rules.top_k)
    pairs = pairs[pairs["rank"].to_numpy() <= keep].reset_index(drop=True)
    retention_first = (pairs["_priority"].to_numpy() == 0) & (pairs["assignment_group"] != EXPLORE).to_numpy()
    text = reasons(pairs, retention_first)
    explore = pairs["assignment_group"] == EXPLORE
    pairs["reason"] = text.where(~explore, "Explore group: a random eligible offer; " + text)
    pairs["as_of_date"] = day
    pairs["score"] = pairs["score"].round(6)
    return pairs[list(OUTPUT_COLUMNS)]
