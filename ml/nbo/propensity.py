"""Acceptance propensity: one model over all offers, with offer features.

Trained on features.offer_exposure_examples (each exposure with the customer's features of the
day before it). Customer features alone cannot say which offer suits whom, so the model also
sees the offer (id, type, value) and the match between the offer's category and the customer's
spend. When the history is too thin, each offer's smoothed acceptance rate stands in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import log_loss, roc_auc_score

from ml.nbo.rules import ModelConfig

CUSTOMER_FEATURES = (
    "tenure_days",
    "days_since_last_purchase",
    "days_since_last_engagement",
    "orders_90d",
    "revenue_90d",
    "email_clicks_30d",
    "web_visits_30d",
    "engagement_score",
    "engagement_trend",
    "experience_score",
    "cancel_signals_30d",
    "tickets_opened_30d",
    "current_mrr",
    "annual_value",
    "is_subscriber",
    "offers_shown_in_period",
)
# acceptance rate of an offer nobody has seen yet: PRIOR_RATE, worth PRIOR_WEIGHT exposures
PRIOR_RATE, PRIOR_WEIGHT = 0.1, 10.0


@dataclass
class PropensityModel:
    kind: str  # "model" | "rates"
    offer_ids: list[str]
    offer_types: list[str]
    plans: list[str]
    rates: dict[str, float]
    model: HistGradientBoostingClassifier | None = None
    metrics: dict = field(default_factory=dict)
    version: str = ""

    def predict(self, pairs: pd.DataFrame) -> np.ndarray:
        """P(accept) for candidate rows (customer features + offer columns)."""
        if self.kind == "rates" or self.model is None:
            return pairs["offer_id"].map(self.rates).fillna(PRIOR_RATE).to_numpy(dtype=float)
        return self.model.predict_proba(design_matrix(pairs, self))[:, 1]


def category_share(frame: pd.DataFrame) -> np.ndarray:
    """The customer's spend share in the offer's category (top two categories known, else 0)."""
    cat = frame["product_category"].to_numpy(dtype=object)
    top = np.where(frame["top_category"].to_numpy(dtype=object) == cat, frame["top_category_share"], 0.0)
    second = np.where(frame["second_category"].to_numpy(dtype=object) == cat, frame["second_category_share"], 0.0)
    return (np.nan_to_num(top.astype(float)) + np.nan_to_num(second.astype(float))).astype(float)


def design_matrix(frame: pd.DataFrame, spec: PropensityModel) -> np.ndarray:
    cols = [frame[c].to_numpy(dtype=float, na_value=np.nan) for c in CUSTOMER_FEATURES]
    cols.append(category_share(frame))
    cols.append(frame["offer_value"].to_numpy(dtype=float))
    offer, kind, plan = (frame[c].to_numpy(dtype=object) for c in ("offer_id", "offer_type", "plan"))
    cols += [(offer == o).astype(float) for o in spec.offer_ids]
    cols += [(kind == t).astype(float) for t in spec.offer_types]
    cols += [(plan == p).astype(float) for p in spec.plans]
    return np.column_stack(cols)


def offer_rates(examples: pd.DataFrame) -> dict[str, float]:
    grouped = examples.groupby("offer_id")["accepted"].agg(["sum", "count"])
    rates = (grouped["sum"] + PRIOR_RATE * PRIOR_WEIGHT) / (grouped["count"] + PRIOR_WEIGHT)
    return {str(k): float(v) for k, v in rates.items()}


def fingerprint(examples: pd.DataFrame, cfg: ModelConfig) -> str:
    h = hashlib.sha256(repr(cfg).encode())
    h.update(pd.util.hash_pandas_object(examples[["exposure_id", "accepted"]], index=False).to_numpy().tobytes())
    return h.hexdigest()[:12]


def _fit(examples: pd.DataFrame, spec: PropensityModel, seed: int) -> HistGradientBoostingClassifier:
    model = HistGradientBoostingClassifier(
        max_iter=150, learning_rate=0.05, max_depth=4, min_samples_leaf=40, l2_regularization=1.0, random_state=seed
    )
    return model.fit(design_matrix(examples, spec), examples["accepted"].to_numpy(dtype=int))


def train(examples: pd.DataFrame, catalog: pd.DataFrame, cfg: ModelConfig) -> PropensityModel:
    """Fit on the examples (already restricted to what was known on the training day).

    The newest fifth of the exposure days is held out first to measure the model against the
    per-offer rates; the served model is then refitted on everything.
    """
    examples = examples.sort_values("exposure_id").reset_index(drop=True)
    spec = PropensityModel(
        kind="rates",
        offer_ids=sorted(catalog["offer_id"].astype(str)),
        offer_types=sorted(catalog["offer_type"].dropna().astype(str).unique()),
        plans=sorted(examples["plan"].dropna().astype(str).unique()),
        rates=offer_rates(examples) if len(examples) else {},
        version=fingerprint(examples, cfg),
    )
    acceptances = int(examples["accepted"].sum()) if len(examples) else 0
    spec.metrics = {"examples": len(examples), "acceptances": acceptances}
    if len(examples) < cfg.min_exposures or acceptances < cfg.min_acceptances:
        spec.metrics["why_rates"] = (
            f"{len(examples)} labelled exposures with {acceptances} acceptances; the model needs "
            f"{cfg.min_exposures} and {cfg.min_acceptances}"
        )
        return spec
    days = np.sort(examples["exposed_date"].unique())
    cutoff = days[int(len(days) * 0.8)]
    fit_part, held_out = examples[examples["exposed_date"] < cutoff], examples[examples["exposed_date"] >= cutoff]
    spec.kind = "model"
    if held_out["accepted"].nunique() == 2 and fit_part["accepted"].nunique() == 2:
        spec.model = _fit(fit_part, spec, cfg.seed)
        y = held_out["accepted"].to_numpy(dtype=int)
        p_model = spec.model.predict_proba(design_matrix(held_out, spec))[:, 1]
        rates = offer_rates(fit_part)
        p_rates = held_out["offer_id"].map(rates).fillna(PRIOR_RATE).to_numpy(dtype=float)
        spec.metrics |= {
            "holdout_examples": len(held_out),
            "holdout_auc": round(float(roc_auc_score(y, p_model)), 4),
            "holdout_auc_offer_rates": round(float(roc_auc_score(y, p_rates)), 4),
            "holdout_log_loss": round(float(log_loss(y, p_model, labels=[0, 1])), 4),
            "holdout_log_loss_offer_rates": round(float(log_loss(y, p_rates, labels=[0, 1])), 4),
        }
    spec.model = _fit(examples, spec, cfg.seed)
    return spec
