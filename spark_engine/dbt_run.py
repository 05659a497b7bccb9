"""dbt on the spark target, in this process: dbt-spark's session method then finds the process's
SparkSession (spark_engine/session.py) instead of starting a second driver on the same metastore."""

from __future__ import annotations

from config.settings import DBT_PROJECT_DIR, paths
from spark_engine.session import spark_session


class DbtFailed(RuntimeError):
    pass


def dbt_spark(args: list[str]) -> None:
    """`dbt <args>` against the spark target; raises DbtFailed when a model or test fails."""
    from dbt.cli.main import dbtRunner

    spark_session()
    # Its own target folder: the DuckDB manifest that Dagster reads stays as `make manifest` left it.
    target = paths().spark / "dbt_target"
    result = dbtRunner().invoke([
        *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target", "spark", "--target-path", str(target), "--log-path", str(paths().spark / "dbt_logs"),
    ])
    if not result.success:
        failed = []
        for r in getattr(result.result, "results", None) or []:
            if str(r.status) in ("error", "fail"):
                failed.append(f"{r.node.unique_id}: {r.message}")
        raise DbtFailed(f"dbt {' '.join(args)} failed on spark: {result.exception or ''}\n" + "\n".join(failed))
