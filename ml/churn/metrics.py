"""Model-quality metrics and the grade a model gets in the registry."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def lift_at(y: np.ndarray, score: np.ndarray, share: float = 0.1) -> float:
    """Churn rate among the top `share` by score / overall churn rate; ties at the cut count pro rata."""
    y = np.asarray(y, dtype=float)
    score = np.asarray(score, dtype=float)
    base = y.mean()
    if base == 0 or y.size == 0:
        return float("nan")
    k = share * y.size
    order = np.argsort(-score, kind="stable")
    s, t = score[order], y[order]
    cut = s[min(int(np.ceil(k)) - 1, s.size - 1)]
    above = s > cut
    tied = s == cut
    taken_tied = k - above.sum()  # how many of the tied rows the top share holds
    positives = t[above].sum() + taken_tied * t[tied].mean()
    return float(positives / k / base)


def evaluate(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    return {
        "auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "lift_top_decile": lift_at(y, p, 0.1),
    }


def grade(metrics: dict[str, float]) -> str:
    """A: AUC ≥ 0.80 and top-decile lift ≥ 3 — act on it; B: AUC ≥ 0.70 and lift ≥ 2 — use
    with care; C: anything less — for monitoring only."""
    if metrics["auc"] >= 0.80 and metrics["lift_top_decile"] >= 3:
        return "A"
    if metrics["auc"] >= 0.70 and metrics["lift_top_decile"] >= 2:
        return "B"
    return "C"


def calibration_by_decile(y: np.ndarray, p: np.ndarray) -> pd.DataFrame:
    """Per score decile (1 = highest risk): mean predicted probability, observed churn rate and
    cumulative lift — the calibration and lift curves as one table."""
    frame = pd.DataFrame({"y": np.asarray(y, dtype=float), "p": np.asarray(p, dtype=float)})
    frame = frame.sort_values("p", ascending=False, kind="stable", ignore_index=True)
    frame["decile"] = np.arange(len(frame)) * 10 // max(len(frame), 1) + 1
    out = frame.groupby("decile").agg(customers=("y", "size"), predicted=("p", "mean"), observed=("y", "mean"))
    base = frame["y"].mean()
    cumulative = frame.groupby("decile")["y"].sum().cumsum() / out["customers"].cumsum()
    out["cumulative_lift"] = cumulative / base if base else np.nan
    return out.reset_index()
