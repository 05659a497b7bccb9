"""The Spark engine: the same dbt project, identity resolution and scoring on Apache Spark (docs/spark.md)."""
