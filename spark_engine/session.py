"""The one Spark session of a pipeline process, shared by dbt and the Python steps.

dbt-spark's `session` method builds its session inside the dbt process
(`SparkSession.builder.enableHiveSupport().getOrCreate()`), and driver properties (memory, Java
options, jars) only count when the driver JVM starts. So every property goes into a
spark-defaults.conf under SPARK_CONF_DIR, which spark-submit reads when pyspark launches the
driver, and dbt runs in this process (spark_engine/dbt_process.py): dbt and the Python steps get the
same session, and the embedded Derby metastore (one process at a time) has one user.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from config.settings import Paths, paths, pipeline_config


def spark_properties(data: Paths) -> dict[str, str]:
    """config/pipeline.yml spark.conf, plus a local warehouse and metastore under the data folder
    (a cluster's own properties in pipeline.yml replace them) and splink's similarity functions."""
    from splink.backends.spark import similarity_jar_location

    home = data.spark
    props = {
        # Plain Parquet tables, one folder per schema (`raw.db/`, `marts.db/`, …).
        "spark.sql.warehouse.dir": (home / "warehouse").as_uri(),
        "spark.sql.catalogImplementation": "hive",
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={home / 'metastore_db'};create=true",
        # Derby's log and lock files, otherwise written to the current directory.
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={home / 'derby'}",
        "spark.local.dir": str(home / "tmp"),
        # Derby cannot evaluate some partition filters (a date against a parameter): list the
        # table's partitions and filter them in Spark instead of failing.
        "spark.sql.hive.metastorePartitionPruningFallbackOnException": "true",
        # Jaro-Winkler & co. for splink, from the jar inside the splink wheel (nothing is downloaded).
        "spark.jars": similarity_jar_location(),
    }
    for key, value in pipeline_config()["spark"]["conf"].items():
        props[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return props


def write_conf_dir(data: Paths) -> Path:
    """<data>/spark/conf/spark-defaults.conf from spark_properties; exported as SPARK_CONF_DIR."""
    conf_dir = data.spark / "conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("warehouse", "derby", "tmp", "checkpoints"):
        (data.spark / sub).mkdir(parents=True, exist_ok=True)
    lines = [f"{key} {value}" for key, value in sorted(spark_properties(data).items())]
    (conf_dir / "spark-defaults.conf").write_text("\n".join(lines) + "\n")
    os.environ["SPARK_CONF_DIR"] = str(conf_dir)
    # Executors (mapInPandas) run this interpreter, with the project's packages.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    return conf_dir


def spark_session():
    """The process's SparkSession (created on first use, after writing its properties)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    data = paths()
    write_conf_dir(data)
    spark = SparkSession.builder.appName("customer360").enableHiveSupport().getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(str(data.spark / "checkpoints"))
    return spark
