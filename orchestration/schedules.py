"""Nightly schedule: at the configured time, the partition of the day that just ended."""

from dagster import build_schedule_from_partitioned_job

from config.settings import pipeline_config
from orchestration.jobs import nightly_pipeline

_minute, _hour, *_ = pipeline_config()["nightly_cron"].split()

nightly_schedule = build_schedule_from_partitioned_job(
    nightly_pipeline,
    name="nightly_pipeline_schedule",
    hour_of_day=int(_hour),
    minute_of_hour=int(_minute),
    description="Runs the nightly pipeline for yesterday's landing day.",
)
