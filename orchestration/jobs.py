"""The nightly pipeline job: every asset, one landing day (or a range, in one run)."""

from dagster import AssetSelection, define_asset_job

from orchestration.partitions import daily_partitions

nightly_pipeline = define_asset_job(
    name="nightly_pipeline",
    selection=AssetSelection.all(),
    partitions_def=daily_partitions,
    description="Ingest the day's extracts, resolve identities, build and test every dbt model.",
    tags={"warehouse": "writer"},
)
