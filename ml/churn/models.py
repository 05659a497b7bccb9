"""The candidate churn models: the gradient-boosted model and the two baselines it must beat."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


class RecencyRule(ClassifierMixin, BaseEstimator):
    """"No activity in X days" as a model: X is the cut-off that best separates churners in
    training (Youden's J); the probability is the churn rate on each side of it."""

    def __init__(self, column: str = "days_since_last_engagement"):
        self.column = column

    def _days(self, X: pd.DataFrame) -> np.ndarray:
        # Never active counts as inactive for longer than anyone else.
        return X[self.column].fillna(1e6).to_numpy(dtype=float)

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> RecencyRule:
        days, y = self._days(X), np.asarray(y)
        best_j, best_cut = -1.0, 0.0
        positives, negatives = max(y.sum(), 1), max((1 - y).sum(), 1)
        for cut in np.unique(np.clip(days, 0, 366)):
            flagged = days >= cut
            j = (flagged & (y == 1)).sum() / positives - (flagged & (y == 0)).sum() / negatives
            if j > best_j:
                best_j, best_cut = j, float(cut)
        self.cutoff_days_ = best_cut
        flagged = days >= best_cut
        self.rates_ = np.array([y[~flagged].mean() if (~flagged).any() else 0.0, y[flagged].mean()])
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        return (self._days(X) >= self.cutoff_days_).astype(float)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = self.rates_[self.decision_function(X).astype(int)]
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.decision_function(X).astype(int)


class EmptyColumnsToZero(TransformerMixin, BaseEstimator):
    """A feature without any value in training (e.g. no NPS answer yet) carries no information,
    and histogram binning cannot handle it: it becomes a constant."""

    def fit(self, X: pd.DataFrame, y=None) -> EmptyColumnsToZero:
        self.empty_ = [c for c in X.columns if X[c].isna().all()]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return X.assign(**dict.fromkeys(self.empty_, 0.0)) if self.empty_ else X


def gradient_boosting(params: dict, seed: int) -> object:
    # No early stopping: it would hold out a random (not time-based) slice.
    return make_pipeline(
        EmptyColumnsToZero(), HistGradientBoostingClassifier(**params, early_stopping=False, random_state=seed)
    )


def logistic_regression() -> object:
    return make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(C=0.5, max_iter=2000),
    )


def candidates(gbm_params: dict, seed: int) -> dict[str, object]:
    """Name → unfitted estimator; the first is the model, the others the baselines."""
    return {
        "gradient_boosting": gradient_boosting(gbm_params, seed),
        "recency_rule": RecencyRule(),
        "logistic_regression": logistic_regression(),
    }
