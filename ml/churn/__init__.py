"""Churn prediction: point-in-time snapshots → trained, calibrated model → daily scores with reasons."""
