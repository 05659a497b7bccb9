"""Entry point for `dagster dev -w workspace.yaml` and the CLI."""

from dagster import Definitions, in_process_executor

from orchestration.assets.churn import churn_checks, churn_scores, ml_model_registry
from orchestration.assets.dbt import dbt_mart_models, dbt_pre_identity_models
from orchestration.assets.identity import cluster_size_within_limit, resolved_identities
from orchestration.assets.ingestion import ingestion_assets
from orchestration.assets.quality import quality_checks
from orchestration.jobs import nightly_pipeline
from orchestration.resources import build_resources
from orchestration.schedules import nightly_schedule
from orchestration.sensors import record_run_failures

defs = Definitions(
    assets=[
        *ingestion_assets,
        dbt_pre_identity_models,
        resolved_identities,
        dbt_mart_models,
        ml_model_registry,
        churn_scores,
    ],
    asset_checks=[cluster_size_within_limit, *churn_checks, *quality_checks],
    jobs=[nightly_pipeline],
    schedules=[nightly_schedule],
    sensors=[record_run_failures],
    resources=build_resources(),
    # One writer at a time on the DuckDB file: steps run one after another in the run process.
    executor=in_process_executor,
)
