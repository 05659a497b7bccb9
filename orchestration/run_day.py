"""The landing days a run is about, read from (or written to) Dagster's run tags."""

import datetime as dt

from dagster import AssetExecutionContext
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)


def range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags for landing days first..last in one run, as a single-run backfill sets them."""
    return {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}


def run_window(tags: dict[str, str]) -> str:
    """'D' for a one-day run, 'D1..D2' for a range, '' for a run without partitions."""
    if PARTITION_NAME_TAG in tags:
        return tags[PARTITION_NAME_TAG]
    return "..".join(filter(None, [tags.get(ASSET_PARTITION_RANGE_START_TAG), tags.get(ASSET_PARTITION_RANGE_END_TAG)]))


def window_days(tags: dict[str, str]) -> list[dt.date]:
    """Every landing day of a run, from its tags (asset checks have no partition context)."""
    window = run_window(tags)
    if not window:
        return []
    first, _, last = window.partition("..")
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last or first)
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def partition_days(context: AssetExecutionContext) -> list[dt.date]:
    """Every landing day of the run's partition range, in order."""
    first, last = (dt.date.fromisoformat(k) for k in context.partition_key_range)
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def last_days(days: list[dt.date], keep: int) -> list[dt.date]:
    """The last `keep` of a run's days (all of them for keep = 0)."""
    return days[-keep:] if keep > 0 else list(days)


def training_days(window: list[dt.date], scored: list[dt.date], retrain_weekday: int) -> list[dt.date]:
    """The days of the window a weekly-retrained model must be considered on for the scored
    days to get the model their nightly runs got: from the last retraining weekday on or before
    the first scored day (not before the window) to the end."""
    if not scored:
        return []
    first = scored[0] - dt.timedelta(days=(scored[0].weekday() - retrain_weekday) % 7)
    return [d for d in window if d >= first]


def run_day(context: AssetExecutionContext) -> dt.date:
    """The run's partition (or the end of its partition range); today for an ad-hoc run."""
    tags = context.run.tags
    key = tags.get(PARTITION_NAME_TAG) or tags.get(ASSET_PARTITION_RANGE_END_TAG)
    return dt.date.fromisoformat(key) if key else dt.date.today()
