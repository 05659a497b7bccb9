"""Resources: the DuckDB warehouse and the dbt project/CLI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from dagster_duckdb import DuckDBResource

from config.settings import DBT_PROJECT_DIR, paths, pipeline_config


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


def build_resources() -> dict:
    return {
        "warehouse": DuckDBResource(
            database=warehouse_path(), connection_config={"memory_limit": warehouse_memory_limit()}
        ),
        # The dbt of this environment, whether or not the venv is on PATH.
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=str(Path(sys.executable).parent / "dbt")),
    }
