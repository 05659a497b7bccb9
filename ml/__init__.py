"""Plain-Python analytics (no Dagster): identity resolution, features, models."""
