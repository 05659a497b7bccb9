"""Entry point for `dagster dev -w workspace.yaml` and the CLI."""

from dagster import Definitions, in_process_executor

from orchestration.assets.churn import churn_checks, churn_scores, ml_model_registry
from orchestration.assets.dbt import dbt_mart_models, dbt_pre_identity_models
from orchestration.assets.feedback import text_sentiment
from orchestration.assets.identity import cluster_size_within_limit, resolved_identities
from orchestration.assets.ingestion import ingestion_assets
from orchestration.assets.nbo import nbo_checks, next_best_offers
from orchestration.assets.quality import quality_checks
from orchestration.assets.reporting import build_report_asset, experience_link_holds
from orchestration.assets.serving import build_publish_asset, served_keys
from orchestration.jobs import nightly_pipeline
from orchestration.resources import build_resources
from orchestration.schedules import nightly_schedule
from orchestration.sensors import record_run_failures

pipeline_assets = [
    *ingestion_assets,
    dbt_pre_identity_models,
    resolved_identities,
    text_sentiment,
    dbt_mart_models,
    ml_model_registry,
    churn_scores,
    next_best_offers,
]
# Serving and the report come after every output table defined above (a new mart or ML
# asset is published and reported on without further wiring).
outputs = served_keys([key for a in pipeline_assets for key in a.keys])


def build_definitions(engine_name: str | None = None) -> Definitions:
    """The definitions on the engine of config/pipeline.yml (or the one named): only the
    resources differ."""
    return Definitions(
        assets=[*pipeline_assets, build_publish_asset(outputs), build_report_asset(outputs)],
        asset_checks=[
            cluster_size_within_limit,
            *churn_checks,
            *nbo_checks,
            *quality_checks,
            experience_link_holds,
        ],
        jobs=[nightly_pipeline],
        schedules=[nightly_schedule],
        sensors=[record_run_failures],
        resources=build_resources(engine_name),
        # One writer at a time on the DuckDB file, one Spark driver per run: steps run one after
        # another in the run process.
        executor=in_process_executor,
    )


defs = build_definitions()
