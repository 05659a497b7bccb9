"""The landing day a run is about, for assets that are not partitioned themselves."""


import datetime as dt

from dagster import AssetExecutionContext

PARTITION_TAG = "dagster/partition"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def run_day(context: AssetExecutionContext) -> dt.date:
    """The run's partition (or the end of its partition range); today for an ad-hoc run."""
    tags = context.run.tags
    key = tags.get(PARTITION_TAG) or tags.get(RANGE_END_TAG)
    return dt.date.fromisoformat(key) if key else dt.date.today()
