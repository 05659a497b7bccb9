"""Dagster definitions: thin wrappers that call ingest/, dbt and ml/."""

import warnings

from dagster import BetaWarning, PreviewWarning

# Single-run backfill policies are a deliberate choice (docs/architecture.md); Dagster marks
# them beta and would repeat that warning for every asset in every process's log.
warnings.filterwarnings("ignore", category=BetaWarning)
warnings.filterwarnings("ignore", category=PreviewWarning)
