"""config/offer_rules.yml as a typed object, and the rules applied to a day's candidates.

Everything is vectorised over customers x offers: at a million customers and a dozen offers
the candidate frame has ~12M rows, so no Python loop runs per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MODES = ("catalog", "products", "auto")
RISK_BANDS = ("high", "medium", "low")
CONDITIONS = ("plans", "subscriber", "min_days_since_last_purchase", "countries", "churn_risk_bands")


@dataclass(frozen=True)
class ContactPolicy:
    require_marketing_opt_in: bool = True
    exclude_unsubscribed: bool = True
    max_offers_per_period: int = 4
    period_days: int = 30
    decline_cooldown_days: int = 30


@dataclass(frozen=True)
class Groups:
    salt: str = "nbo-groups-v1"
    holdout_share: float = 0.10
    explore_share: float = 0.05


@dataclass(frozen=True)
class ModelConfig:
    response_window_days: int = 7
    retrain_weekday: int = 0
    training_window_days: int = 365
    min_exposures: int = 500
    min_acceptances: int = 50
    seed: int = 42


@dataclass(frozen=True)
class ProductConfig:
    lookback_days: int = 365
    allow_repurchase: bool = True


@dataclass(frozen=True)
class NboRules:
    top_k: int = 3
    mode: str = "auto"
    contact_policy: ContactPolicy = field(default_factory=ContactPolicy)
    eligibility: dict = field(default_factory=dict)
    churn_policy: dict = field(default_factory=dict)
    groups: Groups = field(default_factory=Groups)
    model: ModelConfig = field(default_factory=ModelConfig)
    products: ProductConfig = field(default_factory=ProductConfig)
    category_lookback_days: int = 365

    @classmethod
    def from_dict(cls, cfg: dict) -> NboRules:
        cfg = dict(cfg)
        out = cls(
            contact_policy=ContactPolicy(**cfg.pop("contact_policy", {})),
            groups=Groups(**cfg.pop("groups", {})),
            model=ModelConfig(**cfg.pop("model", {})),
            products=ProductConfig(**cfg.pop("products", {})),
            **cfg,
        )
        out._validate()
        return out

    def _validate(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"offer rules: mode must be one of {MODES}, got {self.mode!r}")
        if self.top_k < 1:
            raise ValueError(f"offer rules: top_k must be at least 1, got {self.top_k}")
        g = self.groups
        if not (0 <= g.holdout_share and 0 <= g.explore_share and g.holdout_share + g.explore_share < 1):
            raise ValueError(f"offer rules: group shares must be >= 0 and sum below 1, got {g}")
        for scope in ("by_offer_type", "by_offer_id"):
            for key, conditions in (self.eligibility.get(scope) or {}).items():
                unknown = set(conditions) - set(CONDITIONS)
                if unknown:
                    raise ValueError(f"offer rules: eligibility {scope}.{key} has unknown conditions {sorted(unknown)}")
                bands = set(conditions.get("churn_risk_bands", ())) - set(RISK_BANDS)
                if bands:
                    raise ValueError(f"offer rules: unknown churn risk bands {sorted(bands)} in {scope}.{key}")

    def conditions_for(self, offer_id: str, offer_type: str | None) -> dict:
        by_type = (self.eligibility.get("by_offer_type") or {}).get(offer_type) or {}
        by_id = (self.eligibility.get("by_offer_id") or {}).get(offer_id) or {}
        return by_type | by_id

    @property
    def retention_types(self) -> tuple[str, ...]:
        return tuple(self.churn_policy.get("retention_offer_types", ()))

    @property
    def retention_first_bands(self) -> tuple[str, ...]:
        return tuple(self.churn_policy.get("retention_first_for_bands", ()))


def not_contactable_reason(context: pd.DataFrame, policy: ContactPolicy) -> pd.Series:
    """Per customer: why no offer may be made today ('' when one may)."""
    reason = pd.Series("", index=context.index, dtype=object)
    at_cap = context["offers_shown_in_period"].to_numpy() >= policy.max_offers_per_period
    reason[at_cap] = f"reached {policy.max_offers_per_period} offers in {policy.period_days} days"
    if policy.exclude_unsubscribed:
        reason[context["unsubscribed"].eq(True).to_numpy()] = "unsubscribed"
    if policy.require_marketing_opt_in:
        reason[~context["marketing_opt_in"].eq(True).to_numpy()] = "no marketing opt-in"
    return reason


def valid_offers(catalog: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """Catalog offers whose validity window contains the day (valid_to inclusive)."""
    day = pd.Timestamp(day).date()
    start = pd.to_datetime(catalog["valid_from"]).dt.date
    end = pd.to_datetime(catalog["valid_to"]).dt.date
    ok = (start.isna() | (start <= day)) & (end.isna() | (end >= day))
    return catalog[ok.to_numpy()].reset_index(drop=True)


def eligible_pairs(context: pd.DataFrame, offers: pd.DataFrame, rules: NboRules) -> pd.DataFrame:
    """Every (customer, offer) pair the eligibility rules and the decline cool-down allow.

    `context`: one row per contactable customer (offer_customer_context columns plus
    risk_band); `offers`: the valid catalog offers. Returns the context columns repeated per
    offer plus the offer's columns.
    """
    n, m = len(context), len(offers)
    ok = np.ones((n, m), dtype=bool)
    plan = context["plan"].to_numpy(dtype=object)
    subscriber = context["is_subscriber"].eq(True).to_numpy()
    since = context["days_since_last_purchase"].to_numpy(dtype=float)
    country = context["country"].to_numpy(dtype=object)
    band = context["risk_band"].to_numpy(dtype=object)
    declined_padded = ("," + context["declined_offer_ids"].fillna("") + ",").to_numpy(dtype=str)
    for j, offer in enumerate(offers.itertuples(index=False)):
        cond = rules.conditions_for(offer.offer_id, offer.offer_type)
        col = ok[:, j]
        if "plans" in cond:
            col &= np.isin(plan, list(cond["plans"]))
        if "subscriber" in cond:
            col &= subscriber == bool(cond["subscriber"])
        if "min_days_since_last_purchase" in cond:
            col &= np.isnan(since) | (since >= cond["min_days_since_last_purchase"])
        if "countries" in cond:
            col &= np.isin(country, list(cond["countries"]))
        if "churn_risk_bands" in cond:
            col &= np.isin(band, list(cond["churn_risk_bands"]))
        # declined within the cool-down: the context lists those offer ids, comma-separated
        col &= np.char.find(declined_padded, f",{offer.offer_id},") < 0
    rows, cols = np.nonzero(ok)
    columns = {c: context[c].to_numpy()[rows] for c in context.columns}
    columns |= {c: offers[c].to_numpy()[cols] for c in offers.columns}
    return pd.DataFrame(columns)
