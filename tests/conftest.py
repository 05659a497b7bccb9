"""Every test works in its own data directory: nothing touches the repo's data/."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb
import pytest

# Set before any project module reads it (orchestration resolves paths at import time).
_SESSION_DATA = Path(tempfile.mkdtemp(prefix="c360-tests-"))
os.environ["C360_DATA_DIR"] = str(_SESSION_DATA)
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")


@pytest.fixture
def con():
    """An in-memory DuckDB connection."""
    c = duckdb.connect()
    yield c
    c.close()
