"""The Spark side of each pipeline step, which the Dagster assets call when config `engine` is
spark: the same dbt project, contract, identity rules, models and suites on Apache Spark
(docs/spark.md)."""
