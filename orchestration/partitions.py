"""The one daily partitioning shared by every partitioned asset: a landing day."""

from dagster import DailyPartitionsDefinition

from config.settings import partitions_start, pipeline_config

daily_partitions = DailyPartitionsDefinition(
    start_date=partitions_start().isoformat(),
    timezone=pipeline_config()["timezone"],
)
