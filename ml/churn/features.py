"""The model's features (columns of features.churn_features) and how a reason names each."""

from __future__ import annotations

import math

# feature → words an account manager reads in a reason, with the unit of its value.
FEATURES: dict[str, tuple[str, str]] = {
    "tenure_days": ("Customer for", "days"),
    "days_since_last_purchase": ("Days since the last purchase", ""),
    "days_since_last_engagement": ("Days since the customer last did anything with us", ""),
    "orders_30d": ("Orders in the last 30 days", ""),
    "orders_90d": ("Orders in the last 90 days", ""),
    "revenue_30d": ("Spend in the last 30 days", "$"),
    "revenue_90d": ("Spend in the last 90 days", "$"),
    "email_opens_30d": ("E-mails opened in the last 30 days", ""),
    "email_clicks_30d": ("E-mail clicks in the last 30 days", ""),
    "web_visits_30d": ("Website visits in the last 30 days", ""),
    "event_registrations_90d": ("Event registrations in the last 90 days", ""),
    "engagement_points_30d": ("Engagement points in the last 30 days", ""),
    "engagement_score": ("Engagement score", "/100"),
    "engagement_trend": ("Engagement compared with the three months before", "×"),
    "actions_14d": ("Actions taken in the last 14 days", ""),
    "actions_prior_14d": ("Actions taken in the 14 days before", ""),
    "cancel_signals_30d": ("Looked at cancelling (help pages, tickets) in the last 30 days", "times"),
    "experience_score": ("Experience score", "/100"),
    "experience_change_30d": ("Change of the experience score in 30 days", "points"),
    "experience_signals_90d": ("Feedback and support signals in the last 90 days", ""),
    "last_nps": ("Last NPS answer", "/10"),
    "avg_csat_90d": ("Average CSAT in the last 90 days", "/5"),
    "avg_effort_90d": ("Average ease of getting help in the last 90 days (7 = very easy)", "/7"),
    "tickets_opened_30d": ("Support tickets in the last 30 days", ""),
    "open_tickets": ("Support tickets still open", ""),
    "avg_resolution_hours_90d": ("Average hours to resolve the customer's tickets", "h"),
    "escalations_90d": ("Escalated tickets in the last 90 days", ""),
    "failed_payments_90d": ("Failed payments in the last 90 days", ""),
    "late_payments_90d": ("Late payments in the last 90 days", ""),
    "active_subscriptions": ("Active subscriptions", ""),
    "current_mrr": ("Monthly recurring revenue", "$"),
    "mrr_change_90d": ("Change of monthly recurring revenue in 90 days", "$"),
}
FEATURE_NAMES = list(FEATURES)


def _fmt(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "none"
    number = f"{value:,.1f}" if unit in ("×", "/5", "/7") else f"{value:,.0f}"
    if unit == "$":
        return "$" + number
    if unit == "times" and value == 1:
        return "once"
    if unit in ("days", "points", "times"):
        return f"{number} {unit}"
    return number + unit


def reason_text(feature: str, value: float, typical: float) -> str:
    """'Days since the last purchase: 45 (typical 12)'."""
    words, unit = FEATURES[feature]
    return f"{words}: {_fmt(value, unit)} (typical {_fmt(typical, unit)})"
