"""One daily-partitioned asset per landing-zone entity of the contract."""

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    asset,
)

from config.contract import Entity, entities
from config.settings import engine, paths
from ingest.load import LoadResult, ensure_raw_tables, load_days
from orchestration.metadata import markdown_table
from orchestration.partitions import daily_partitions
from orchestration.resources import Warehouse, on_spark
from orchestration.run_day import partition_days

# Landing days read and written per transaction: bounds memory on a long backfill.
DAYS_PER_BATCH = 31


def _load(warehouse: Warehouse, entity: Entity, days: list) -> list[LoadResult]:
    if on_spark(warehouse):
        from spark_engine.raw_tables import load_entity

        return load_entity(warehouse.session(), entity, days, paths().landing)
    with warehouse.get_connection() as con:
        ensure_raw_tables(con, [entity])
        return load_days(con, entity, days, paths().landing)


def build_ingestion_asset(entity: Entity) -> AssetsDefinition:
    @asset(
        key=["raw", entity.source, entity.name],
        description=(
            f"{entity.description} Loaded from landing/{entity.source}/{entity.name}/<day>.{entity.format}, "
            "typed against the landing contract; rows that break it go to raw.rejects."
        ),
        partitions_def=daily_partitions,
        backfill_policy=BackfillPolicy.single_run(),
        group_name="raw",
        kinds={engine(), entity.format},
        owners=["team:data-engineering"],
        tags={"source_system": entity.source},
        retry_policy=RetryPolicy(max_retries=2, delay=5),
    )
    def _ingest(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
        days = partition_days(context)
        results = []
        for i in range(0, len(days), DAYS_PER_BATCH):
            results += _load(warehouse, entity, days[i : i + DAYS_PER_BATCH])
            context.log.info(f"{entity.table}: loaded {min(i + DAYS_PER_BATCH, len(days))}/{len(days)} days")
        with warehouse.get_connection() as con:
            table_rows = con.execute(f"SELECT count(*) FROM {entity.qualified_table}").fetchall()[0][0]
        landed = sum(r.rows_landed for r in results)
        loaded = sum(r.rows_loaded for r in results)
        rejected = sum(r.rows_rejected for r in results)
        reasons: dict[str, int] = {}
        for r in results:
            for reason, n in r.reject_reasons.items():
                reasons[reason] = reasons.get(reason, 0) + n
            if r.missing_columns or r.extra_columns:
                context.log.warning(
                    f"{r.source_file}: schema drift, missing {r.missing_columns}, extra {r.extra_columns}"
                )
            if r.same_file_as:
                context.log.warning(
                    f"{r.source_file}: the same content as the file of {', '.join(map(str, r.same_file_as))} "
                    "(delivered again under a new date?)"
                )
        if rejected:
            context.log.warning(f"{rejected} of {landed} rows rejected; see raw.rejects")
        metadata = {
            "dagster/row_count": table_rows,
            "days": len(days),
            "files_found": sum(r.source_file is not None for r in results),
            "rows_landed": landed,
            "rows_loaded": loaded,
            "rows_rejected": rejected,
            "rows_accounted": landed == loaded + rejected,
        }
        if reasons:
            top = sorted(reasons.items(), key=lambda kv: -kv[1])[:10]
            metadata["reject_reasons"] = MetadataValue.md(markdown_table(["reason", "rows"], top))
        return MaterializeResult(metadata=metadata)

    return _ingest


ingestion_assets = [build_ingestion_asset(e) for e in entities()]
