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
    category (`category_share`, `viewed_share`). Sorted with numpy, since at a million
    customers there are millions of pairs.
    """
    customer, _ = pd.factorize(pairs["customer_id"])
    offer, _ = pd.factorize(pairs["offer_id"], sort=True)
    ev = np.round(pairs["score"].to_numpy(dtype=float) * pairs["offer_value"].to_numpy(dtype=float), 4)
    explore = (pairs["assignment_group"] == EXPLORE).to_numpy()
    retention_first = (
        pairs["offer_type"].isin(rules.retention_types).to_numpy()
        & pairs["risk_band"].isin(rules.retention_first_bands).to_numpy()
        & ~explore
    )
    # explore customers: a random eligible offer, the same one on a re-run of the day
    draw = np.zeros(len(pairs))
    keys = day.isoformat() + ":" + pairs["customer_id"].to_numpy(dtype=str)[explore] + ":"
    draw[explore] = unit_hash(keys + pairs["offer_id"].to_numpy(dtype=str)[explore], "explore")
    priority = np.where(retention_first | explore, 0, 1)
    order = np.lexsort((offer, -ev, draw, priority, customer))
    position = np.arange(len(order))
    first = np.r_[True, customer[order][1:] != customer[order][:-1]] if len(order) else np.array([], dtype=bool)
    ranks = position - np.maximum.accumulate(np.where(first, position, 0)) + 1
    kept = ranks <= np.where(explore[order], 1, rules.top_k)
    rows = order[kept]
    out = pairs.iloc[rows].reset_index(drop=True)
    out["rank"] = ranks[kept]
    out["expected_value"] = ev[rows]
    text = reasons(out, retention_first[rows])
    out["reason"] = text.where(~explore[rows], "Explore group: a random eligible offer; " + text)
    out["as_of_date"] = day
    out["score"] = out["score"].round(6)
    return out[list(OUTPUT_COLUMNS)]
