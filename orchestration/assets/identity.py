"""Identity resolution between the intermediate layer and the marts."""


from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    asset_check,
    multi_asset,
)

from config.settings import engine, paths, pipeline_config
from ml.identity.resolve import RESOLVED_TABLE, resolve
from ml.identity.rules import RuleConfig
from orchestration.metadata import markdown_table
from orchestration.partitions import daily_partitions
from orchestration.resources import Warehouse, on_spark
from orchestration.run_day import run_day

IDENTITY_KEY = AssetKey(["identity", "resolved_identities"])
PAIRS_KEY = AssetKey(["identity", "match_pairs"])
_DEPS = [AssetKey(["intermediate", "int_identity_records"]), AssetKey(["seeds", "identity_overrides"])]


def _config() -> RuleConfig:
    return RuleConfig.from_dict(pipeline_config()["identity"])


@multi_asset(
    specs=[
        AssetSpec(
            IDENTITY_KEY,
            deps=_DEPS,
            description=(
                "Every person-record of every source system with its stable customer_id, the rule that "
                "matched it (deterministic: CRM reference, normalised e-mail, normalised phone; then splink "
                "probabilistic matching) and the match probability. Merges and splits of customer ids are "
                "appended to identity.customer_id_changelog."
            ),
            group_name="identity",
            kinds={"python", engine()},
            owners=["team:data-engineering"],
        ),
        AssetSpec(
            PAIRS_KEY,
            deps=_DEPS,
            description="Every candidate pair of the run with its rule, match probability and decision (audit).",
            group_name="identity",
            kinds={"python", engine()},
            owners=["team:data-engineering"],
        ),
    ],
    name="identity_resolution",
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    retry_policy=RetryPolicy(max_retries=2, delay=5),
)
def resolved_identities(context: AssetExecutionContext, warehouse: Warehouse):
    if on_spark(warehouse):
        from spark_engine.identity import resolve_on_spark

        stats = resolve_on_spark(warehouse.session(), _config(), run_day(context), paths().models)
    else:
        with warehouse.get_connection() as con:
            stats = resolve(con, _config(), run_day(context), paths().models)
    linked = stats.records - stats.records_by_rule.get("unique", 0)
    sizes = sorted(stats.cluster_size_counts.items())
    yield MaterializeResult(
        asset_key=IDENTITY_KEY,
        metadata={
            "dagster/row_count": stats.records,
            "customers": stats.customers,
            "records_per_customer": round(stats.records / max(stats.customers, 1), 3),
            "match_rate": round(linked / max(stats.records, 1), 4),
            "records_by_rule": stats.records_by_rule,
            "largest_cluster": stats.largest_cluster,
            "cluster_sizes": MetadataValue.md(markdown_table(["records", "customers"], sizes)),
            "merges": stats.merges,
            "splits": stats.splits,
            "skipped_blocking_rules": stats.skipped_blocking_rules,
            "splink_model_trained_on": str(stats.model_training_day),
        },
    )
    yield MaterializeResult(
        asset_key=PAIRS_KEY,
        metadata={
            "dagster/row_count": sum(stats.pairs_by_decision.values()),
            "pairs_by_decision": stats.pairs_by_decision,
        },
    )


@asset_check(
    asset=IDENTITY_KEY,
    description="Cluster sizes stay sane: no customer above guards.max_cluster_records records (config/pipeline.yml).",
)
def cluster_size_within_limit(warehouse: Warehouse) -> AssetCheckResult:
    limit = _config().max_cluster_records
    with warehouse.get_connection() as con:
        largest, over = con.execute(
            f"SELECT coalesce(max(n), 0), count(*) FILTER (WHERE n > {limit}) "
            f"FROM (SELECT count(*) AS n FROM {RESOLVED_TABLE} GROUP BY customer_id) AS clusters"
        ).fetchall()[0]
    return AssetCheckResult(
        passed=largest <= limit,
        severity=AssetCheckSeverity.ERROR,
        metadata={"largest_cluster": largest, "limit": limit, "customers_over_limit": over},
    )
