"""Identity resolution between the intermediate layer and the marts."""


from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    asset,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from config.settings import pipeline_config
from ml.identity.resolve import RESOLVED_TABLE, resolve
from ml.identity.rules import RuleConfig
from orchestration.partitions import daily_partitions
from orchestration.run_day import run_day

IDENTITY_KEY = AssetKey(["identity", "resolved_identities"])
# More records than this under one customer id means a rule is linking strangers.
MAX_CLUSTER_RECORDS = 25


@asset(
    key=IDENTITY_KEY,
    deps=[AssetKey(["intermediate", "int_identity_records"])],
    description=(
        "Every person-record of every source system with its stable customer_id and the rule that "
        "matched it (deterministic: CRM reference, normalised e-mail, normalised phone). Merges and "
        "splits of customer ids are appended to identity.customer_id_changelog."
    ),
    group_name="identity",
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    kinds={"python", "duckdb"},
    owners=["team:data-engineering"],
    retry_policy=RetryPolicy(max_retries=2, delay=5),
)
def resolved_identities(context: AssetExecutionContext, warehouse: DuckDBResource) -> MaterializeResult:
    cfg = RuleConfig.from_dict(pipeline_config()["identity"])
    with warehouse.get_connection() as con:
        stats = resolve(con, cfg, run_day(context))
    linked = stats.records - stats.records_by_rule.get("unique", 0)
    sizes = sorted(stats.cluster_size_counts.items())
    return MaterializeResult(
        metadata={
            "dagster/row_count": stats.records,
            "customers": stats.customers,
            "records_per_customer": round(stats.records / max(stats.customers, 1), 3),
            "match_rate": round(linked / max(stats.records, 1), 4),
            "records_by_rule": stats.records_by_rule,
            "largest_cluster": stats.largest_cluster,
            "cluster_sizes": MetadataValue.md(
                "| records | customers |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in sizes)
            ),
            "merges": stats.merges,
            "splits": stats.splits,
        }
    )


@asset_check(asset=IDENTITY_KEY, description=f"No customer holds more than {MAX_CLUSTER_RECORDS} source records.")
def cluster_size_within_limit(warehouse: DuckDBResource) -> AssetCheckResult:
    with warehouse.get_connection() as con:
        largest = con.execute(
            f"SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM {RESOLVED_TABLE} GROUP BY customer_id)"
        ).fetchall()[0][0]
    return AssetCheckResult(
        passed=largest <= MAX_CLUSTER_RECORDS,
        severity=AssetCheckSeverity.ERROR,
        metadata={"largest_cluster": largest, "limit": MAX_CLUSTER_RECORDS},
    )
