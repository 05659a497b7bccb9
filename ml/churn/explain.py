"""Reason codes that are faithful to the served model.

A feature's contribution for a customer is how much the churn probability drops when that
one feature is set to its typical value (the training median) and everything else stays:
the model itself says what moves its score, whatever kind of model is served. The three
largest positive contributions are the customer's reasons; a customer has fewer than three
when fewer features raise the risk above typical.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.churn.features import FEATURE_NAMES, reason_text

N_REASONS = 3


def contributions(model, X: pd.DataFrame, typical: dict[str, float]) -> np.ndarray:
    """rows × features: p(x) − p(x with the feature set to typical)."""
    base = model.predict_proba(X[FEATURE_NAMES])[:, 1]
    out = np.zeros((len(X), len(FEATURE_NAMES)))
    for j, feature in enumerate(FEATURE_NAMES):
        values = X[feature].to_numpy(dtype=float)
        t = typical[feature]
        # Only rows whose value differs from typical can move (the matrix stays small).
        differs = ~(np.isnan(values) & np.isnan(t)) & ~(values == t)
        rows = np.flatnonzero(differs)
        if rows.size == 0:
            continue
        moved = X.iloc[rows][FEATURE_NAMES].copy()
        moved[feature] = t
        out[rows, j] = base[rows] - model.predict_proba(moved)[:, 1]
    return out


def reasons(model, X: pd.DataFrame, typical: dict[str, float]) -> np.ndarray:
    """rows × N_REASONS reasons in plain words (None where fewer features raise the risk)."""
    # Rounded far below anything a reason means: features whose contributions tie are ordered by
    # the feature list, not by the last bits of the arithmetic (which differ between engines).
    contrib = np.round(contributions(model, X, typical), 9)
    top = np.argsort(-contrib, axis=1, kind="stable")[:, :N_REASONS]
    raises = np.take_along_axis(contrib, top, axis=1) > 0
    values = X[FEATURE_NAMES].to_numpy(dtype=float)
    out = np.full(top.shape, None, dtype=object)
    for j, feature in enumerate(FEATURE_NAMES):
        hit = (top == j) & raises
        if not hit.any():
            continue
        # Customers share values (counts, days): each distinct value is put into words once.
        distinct, which = np.unique(values[np.nonzero(hit)[0], j], return_inverse=True)
        words = np.array([reason_text(feature, v, typical[feature]) for v in distinct], dtype=object)
        out[hit] = words[which]
    return out
