"""Resources: the warehouse of the selected engine (config/pipeline.yml `engine`) and the dbt
project/CLI. On DuckDB the warehouse is a file; on Spark it is the run process's SparkSession,
which dbt shares (spark_engine/dbt_process.py). The assets take either one as `warehouse`."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

from dagster import ConfigurableResource, ResourceParam
from dagster_dbt import DbtCliResource, DbtProject
from dagster_duckdb import DuckDBResource
from packaging.version import Version

from config.settings import DBT_PROJECT_DIR, engine, paths, pipeline_config


def warehouse_path() -> str:
    path = paths().warehouse
    path.parent.mkdir(parents=True, exist_ok=True)
    # The dbt profile reads the same path and limit, so dbt and Python write one warehouse alike.
    os.environ["C360_WAREHOUSE"] = str(path)
    os.environ["C360_DUCKDB_MEMORY_LIMIT"] = warehouse_memory_limit()
    return str(path)


def warehouse_memory_limit() -> str:
    return str(pipeline_config()["warehouse"]["memory_limit"])


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target="duckdb")
# `dagster dev` re-parses the project on load (the profile needs the warehouse path);
# elsewhere `make manifest` has parsed it.
warehouse_path()
dbt_project.prepare_if_dev()


class SparkWarehouse(ConfigurableResource):
    """The Spark engine's warehouse: Parquet tables in the Spark catalog, through the session of the
    run process (created on first use)."""

    def session(self):
        from spark_engine.session import spark_session

        return spark_session()

    @contextmanager
    def get_connection(self):
        """Read-only queries, as on DuckDB (spark_engine/connection.py)."""
        from spark_engine.connection import SparkConnection

        yield SparkConnection(self.session())


class PipelineDbtCliResource(DbtCliResource):
    """The dbt CLI of this environment, without two preliminaries dagster-dbt runs before each
    invocation: `dbt --version`, which also asks PyPI for dbt's latest release (a call to the
    internet at run time), and a dbt adapter opened in the Dagster process for the row counts and
    column metadata it can fetch (the dbt assets count their rows themselves). ~9 s of a night on
    a slow 2-core machine (docs/benchmarks.md, 2026-12-01)."""

    @cached_property
    def _cli_version(self) -> Version:
        # build_resources runs the dbt executable installed beside this interpreter
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


class InProcessDbtCliResource(PipelineDbtCliResource):
    """dbt run by a thread of this process (spark_engine/dbt_process.py), on its SparkSession."""

    def cli(self, args, **kwargs):
        from spark_engine.dbt_process import dbt_in_this_process

        SparkWarehouse().session()  # started with the pipeline's properties, before dbt-spark asks for one
        with dbt_in_this_process():
            return super().cli(args, **kwargs)


Warehouse = ResourceParam[DuckDBResource | SparkWarehouse]


def on_spark(warehouse) -> bool:
    return isinstance(warehouse, SparkWarehouse)


def build_resources(engine_name: str | None = None) -> dict:
    # The dbt of this environment, whether or not the venv is on PATH.
    dbt_executable = str(Path(sys.executable).parent / "dbt")
    if (engine_name or engine()) == "spark":
        return {
            "warehouse": SparkWarehouse(),
            "dbt": InProcessDbtCliResource(project_dir=dbt_project, target="spark", dbt_executable=dbt_executable),
        }
    return {
        "warehouse": DuckDBResource(
            database=warehouse_path(), connection_config={"memory_limit": warehouse_memory_limit()}
        ),
        "dbt": PipelineDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable),
    }
