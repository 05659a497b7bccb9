"""Loads config/pipeline.yml and resolves the data paths used by every layer."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


@dataclass(frozen=True)
class Paths:
    data_dir: Path

    @property
    def landing(self) -> Path:
        return self.data_dir / "landing"

    @property
    def ground_truth(self) -> Path:
        return self.data_dir / "ground_truth"

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def models(self) -> Path:
        return self.data_dir / "models"

    @property
    def serving(self) -> Path:
        """The read-only copy of the output tables for BI tools (serving/publish.py)."""
        return self.data_dir / "serving.duckdb"

    @property
    def exports(self) -> Path:
        return self.data_dir / "exports"

    @property
    def reports(self) -> Path:
        return self.data_dir / "reports"

    @property
    def spark(self) -> Path:
        """The Spark engine's local state: conf, warehouse (Parquet tables), metastore, checkpoints."""
        return self.data_dir / "spark"

    def under(self, *parts: str) -> Path:
        """A path inside the data folder; one that would leave it (.., an absolute part) is refused."""
        return inside(self.data_dir, *parts)


def inside(root: Path, *parts: str) -> Path:
    """root/parts…, checked without following links: no part may climb out of root."""
    candidate = Path(os.path.normpath(root.joinpath(*parts)))
    if candidate != Path(os.path.normpath(root)) and Path(os.path.normpath(root)) not in candidate.parents:
        raise ValueError(f"{'/'.join(parts)!r} leads outside {root}")
    return candidate


def paths() -> Paths:
    """Paths under C360_DATA_DIR (default: <repo>/data); read at call time so tests can redirect."""
    return Paths(Path(os.environ.get("C360_DATA_DIR", REPO_ROOT / "data")).resolve())


@cache
def pipeline_config() -> dict:
    with open(CONFIG_DIR / "pipeline.yml") as f:
        return yaml.safe_load(f)


@cache
def offer_rules() -> dict:
    with open(CONFIG_DIR / "offer_rules.yml") as f:
        return yaml.safe_load(f)


ENGINES = ("duckdb", "spark")


def engine() -> str:
    """The engine the pipeline runs on: `engine` in config/pipeline.yml, or C360_ENGINE."""
    name = os.environ.get("C360_ENGINE") or pipeline_config()["engine"]
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}: C360_ENGINE / engine in config/pipeline.yml is one of {ENGINES}")
    return name


def partitions_start() -> dt.date:
    return dt.date.fromisoformat(pipeline_config()["partitions_start"])
