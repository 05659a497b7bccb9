"""Quality gates as asset checks: Great Expectations suites (quality/) on the raw layer, from the
contract, and on the marts. Error-level checks are blocking: a failure stops the assets
downstream (dbt after the raw layer; churn and publishing after the marts)."""

from collections.abc import Iterator

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)

from config.contract import Entity, bad_input_policy, entities
from config.settings import paths, pipeline_config
from orchestration.resources import Warehouse
from orchestration.run_day import window_days
from orchestration.validation_results import record_validation
from quality.gates import (
    BAD_INPUT_CHECK,
    MART_CHECKS,
    RAW_CONTRACT_CHECK,
    RAW_PLAUSIBILITY_CHECK,
    RunInfo,
    Verdict,
    marts_gate,
    raw_gate,
)
from quality.gx_validate import GxSession

SEVERITY = {"error": AssetCheckSeverity.ERROR, "warn": AssetCheckSeverity.WARN}


def _raw_specs(checked: list[Entity]) -> list[AssetCheckSpec]:
    specs = []
    for e in checked:
        key = AssetKey(["raw", e.source, e.name])
        policy = bad_input_policy(e.source)
        specs += [
            AssetCheckSpec(
                BAD_INPUT_CHECK, asset=key, blocking=True,
                description=(f"At most {policy.max_rejected_share:.0%} of the landed rows rejected; beyond, the run "
                             + ("fails" if policy.on_breach == "fail" else "warns") + " (contract bad_input)."),
            ),
            AssetCheckSpec(
                RAW_CONTRACT_CHECK, asset=key, blocking=True,
                description="GX: columns and types as the contract says; keys present and unique per landing day; "
                            "required values present; value sets kept.",
            ),
            AssetCheckSpec(
                RAW_PLAUSIBILITY_CHECK, asset=key,
                description="GX (warning): contract ranges, no event after its landing day, the day's volume "
                            "within the band of recent days.",
            ),
        ]
    return specs


def _mart_specs() -> list[AssetCheckSpec]:
    descriptions = {
        "customer_360_gx": "GX: one row per dim_customer customer, ids unique and known, scores 0-100.",
        "cx_kpis_sanity_gx": "GX: one row per date; NPS, CSAT, effort and churn rate on their scales; "
                             "active customers never above known ones.",
        "activity_customers_known_gx": "GX: the run's activities unique, each customer in dim_customer.",
        "churn_features_gx": "GX: the run's churn features unique per customer and day, customers known "
                             "(the churn model reads only data that passed).",
    }
    return [AssetCheckSpec(name, asset=AssetKey(list(asset)), blocking=True, description=descriptions[name])
            for asset, name in MART_CHECKS.items()]


def _results(context: AssetCheckExecutionContext, verdicts: list[Verdict], docs) -> Iterator[AssetCheckResult]:
    selected = context.selected_asset_check_keys
    for v in verdicts:
        key = AssetKey(list(v.asset))
        if AssetCheckKey(key, v.check_name) not in selected:
            continue
        metadata = dict(v.metadata)
        if docs is not None and v.check_name != BAD_INPUT_CHECK:
            metadata["data_docs"] = MetadataValue.url(docs.as_uri())
        if "failures" in metadata:
            metadata["failures"] = MetadataValue.md("```\n" + metadata["failures"] + "\n```")
        yield AssetCheckResult(asset_key=key, check_name=v.check_name, passed=v.passed,
                               severity=SEVERITY[v.severity], metadata=metadata)


def _run(context: AssetCheckExecutionContext) -> RunInfo:
    return RunInfo(context.run.run_id, window_days(context.run.tags))


def build_raw_quality_gate(checked: list[Entity]) -> AssetChecksDefinition:
    """One step checks every raw asset of the run (one GX context, one Data Docs build)."""

    @multi_asset_check(specs=_raw_specs(checked), can_subset=True, name="raw_quality_gate")
    def raw_quality_gate(context: AssetCheckExecutionContext, warehouse: Warehouse):
        selected = {tuple(k.asset_key.path) for k in context.selected_asset_check_keys}
        run, settings = _run(context), pipeline_config()["quality"]
        session = GxSession(paths().under("quality", "data_docs", "raw"))
        verdicts: list[Verdict] = []
        with warehouse.get_connection() as con:
            for e in checked:
                if ("raw", e.source, e.name) in selected:
                    verdicts += raw_gate(con, e, run, session, settings)
        record_validation(warehouse, [row for v in verdicts for row in v.rows])
        docs = session.build_docs()
        yield from _results(context, verdicts, docs)

    return raw_quality_gate


@multi_asset_check(specs=_mart_specs(), can_subset=True, name="marts_quality_gate")
def marts_quality_gate(context: AssetCheckExecutionContext, warehouse: Warehouse):
    selected = {tuple(k.asset_key.path) for k in context.selected_asset_check_keys}
    run, settings = _run(context), pipeline_config()["quality"]
    session = GxSession(paths().under("quality", "data_docs", "marts"))
    with warehouse.get_connection() as con:
        verdicts = marts_gate(con, run, session, settings, selected)
    record_validation(warehouse, [row for v in verdicts for row in v.rows])
    docs = session.build_docs()
    yield from _results(context, verdicts, docs)


quality_checks = [build_raw_quality_gate(entities()), marts_quality_gate]
