"""Dagster definitions: thin wrappers that call ingest/, dbt and ml/."""
