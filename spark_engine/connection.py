"""The part of a DuckDB connection the pipeline's read-only queries use (asset checks, run
metadata, quality frames, training samples), over a SparkSession: `execute(sql, params)` with `?`
placeholders, then `fetchall()`, `fetchone()` or `df()`.

The queries are DuckDB SQL; sqlglot (the transpiler splink uses too) writes them in Spark's
dialect: list_contains becomes array_contains, `$name` parameters `:name`, sha256 sha2, NULL
ordering stays DuckDB's, and so on. Writes do not go through here: each step has its Spark writer.
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot

from spark_engine.tables import catalog_tables, like_duckdb


def duckdb_type(spark_type: str) -> str:
    """A Spark type name in DuckDB's words (decimal(12,2) → DECIMAL(12,2)). Spark's timestamp is an
    instant shown in the session's time zone (UTC, config/pipeline.yml), as a DuckDB TIMESTAMP."""
    names = {"string": "VARCHAR", "int": "INTEGER", "bigint": "BIGINT", "smallint": "SMALLINT", "double": "DOUBLE",
             "float": "FLOAT", "boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP",
             "timestamp_ntz": "TIMESTAMP"}
    return names.get(spark_type, spark_type.upper())


@lru_cache(maxsize=512)
def to_spark_sql(sql: str) -> str:
    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]


class SparkConnection:
    def __init__(self, spark):
        self.spark = spark
        self._frame = None

    def execute(self, sql: str, params: list | tuple | dict | None = None) -> SparkConnection:
        """`?` placeholders take a list, `$name` ones a dict, as on DuckDB."""
        args = (dict(params) if isinstance(params, dict) else list(params)) if params else None
        self._frame = self.spark.sql(to_spark_sql(sql), args=args)
        return self

    def table_exists(self, qualified: str) -> bool:
        return self.spark.catalog.tableExists(qualified)

    def table_names(self) -> set[str]:
        """Every table as schema.name (information_schema.tables on DuckDB)."""
        return {f"{db.name}.{t}" for db in self.spark.catalog.listDatabases()
                for t in catalog_tables(self.spark, db.name)}

    def column_types(self, qualified: str) -> dict[str, str]:
        """{column: type} of a table, in DuckDB's type names (what the contract declares)."""
        return {f.name: duckdb_type(f.dataType.simpleString()) for f in self.spark.table(qualified).schema.fields}

    def fetchall(self) -> list[tuple]:
        return [tuple(row) for row in self._frame.collect()]

    def fetchone(self) -> tuple | None:
        rows = self._frame.take(1)
        return tuple(rows[0]) if rows else None

    def df(self):
        return like_duckdb(self._frame.toPandas())
