"""Does "better experience → more engagement → less churn" hold on the company's own data?
Read from one day of experience_engagement_bands; used by the report and an asset check."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# A band needs this many customers (and eligible customers for churn) to be compared.
MIN_CUSTOMERS = 20


@dataclass(frozen=True)
class LinkVerdict:
    holds: bool | None  # None: too little data to tell
    text: str
    worst_band: str | None = None
    best_band: str | None = None


def _churn(row: pd.Series) -> tuple[float | None, str]:
    """The churn rate with more eligible customers behind it (buyers or subscribers)."""
    options = [(row["buyers_then"], row["transactional_churn_rate"], "buyers"),
               (row["subscribers_then"], row["subscription_churn_rate"], "subscribers")]
    n, rate, who = max(options, key=lambda o: o[0])
    return (None if n < MIN_CUSTOMERS or pd.isna(rate) else float(rate)), who


def experience_link_verdict(bands: pd.DataFrame) -> LinkVerdict:
    rated = bands[(bands["experience_band"] != "0 no signal") & (bands["customers"] >= MIN_CUSTOMERS)]
    rated = rated.sort_values("experience_band")
    if len(rated) < 2:
        return LinkVerdict(None, f"Too few customers with experience signals (bands of ≥ {MIN_CUSTOMERS}) to compare.")
    worst, best = rated.iloc[0], rated.iloc[-1]
    more_engaged = best["avg_engagement_score"] > worst["avg_engagement_score"]
    engagement = (f"mean engagement {worst['avg_engagement_score']:.1f} in band '{worst['experience_band']}' vs "
                  f"{best['avg_engagement_score']:.1f} in '{best['experience_band']}'")
    (worst_churn, who), (best_churn, _) = _churn(worst), _churn(best)
    if worst_churn is None or best_churn is None:
        # engagement alone can refute the claim; confirming it needs the churn side too
        return LinkVerdict(
            False if not more_engaged else None,
            f"{engagement}; churn cannot be compared yet (fewer than {MIN_CUSTOMERS} eligible customers "
            "per band a horizon ago).",
            worst["experience_band"], best["experience_band"],
        )
    less_churn = best_churn < worst_churn
    text = f"{engagement}; churn of {who} {worst_churn:.1%} vs {best_churn:.1%}."
    return LinkVerdict(bool(more_engaged and less_churn), text, worst["experience_band"], best["experience_band"])
