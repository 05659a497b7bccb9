"""Honest evaluation of a ranking policy: off-policy estimates and ranking metrics.

Off-policy: on exposures whose offer was drawn at random among the valid ones (propensity
1/n_valid), the inverse-propensity estimate of a policy's mean reward is the mean of
1[policy would have chosen the logged offer] x reward / propensity. It is unbiased when
every offer the policy can choose had a chance to be logged; its 95 % interval comes from
the normal approximation of the mean of those terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

Z95 = 1.959964


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    n: int
    matched: int

    def as_dict(self, digits: int = 4) -> dict:
        return {
            "value": round(self.value, digits),
            "ci95": [round(self.low, digits), round(self.high, digits)],
            "n": self.n,
            "matched": self.matched,
        }


def ips(chosen_matches_logged: np.ndarray, reward: np.ndarray, propensity: np.ndarray) -> Estimate:
    """Inverse-propensity estimate of the mean reward per exposure of a policy."""
    match = np.asarray(chosen_matches_logged, dtype=bool)
    reward = np.asarray(reward, dtype=float)
    propensity = np.asarray(propensity, dtype=float)
    if np.any(propensity <= 0):
        raise ValueError("propensities must be positive")
    n = len(reward)
    if n == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0, 0)
    terms = np.where(match, reward / propensity, 0.0)
    mean = float(terms.mean())
    se = float(terms.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    return Estimate(mean, mean - Z95 * se, mean + Z95 * se, n, int(match.sum()))


def mean_with_ci(values: np.ndarray) -> Estimate:
    """Mean and normal 95 % interval (e.g. the logged random policy's own reward)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    mean = float(values.mean()) if n else float("nan")
    se = float(values.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    return Estimate(mean, mean - Z95 * se, mean + Z95 * se, n, n)


def ranking_metrics(recommended: np.ndarray, actual: sparse.csr_matrix) -> dict[str, float]:
    """precision@K, recall@K and hit rate@K over the customers who bought anything in `actual`.

    `recommended`: customers x K product indices; `actual`: customers x products, > 0 where
    the customer bought the product in the evaluation period.
    """
    actual = sparse.csr_matrix(actual > 0)
    k = recommended.shape[1]
    rows = np.repeat(np.arange(recommended.shape[0]), k)
    hits = np.asarray(actual[rows, recommended.ravel()]).reshape(recommended.shape).sum(axis=1)
    bought = np.asarray(actual.sum(axis=1)).ravel()
    who = bought > 0
    if not who.any():
        nan = float("nan")
        return {"customers": 0, "precision_at_k": nan, "recall_at_k": nan, "hit_rate_at_k": nan}
    return {
        "customers": int(who.sum()),
        "precision_at_k": float((hits[who] / k).mean()),
        "recall_at_k": float((hits[who] / bought[who]).mean()),
        "hit_rate_at_k": float((hits[who] > 0).mean()),
    }
