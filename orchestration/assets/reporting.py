"""The nightly CX report, and the nightly check of the experience → engagement → churn claim."""

from collections.abc import Sequence

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from config.settings import DBT_PROJECT_DIR, paths
from orchestration.metadata import markdown_table
from orchestration.partitions import daily_partitions
from orchestration.resources import Warehouse
from orchestration.run_day import run_day
from reporting.build import build_report
from reporting.experience_link import MIN_CUSTOMERS, experience_link_verdict

REPORT_KEY = AssetKey(["reports", "cx_report"])
BANDS_KEY = AssetKey(["marts", "experience_engagement_bands"])


def build_report_asset(upstream: Sequence[AssetKey]) -> AssetsDefinition:
    @asset(
        key=REPORT_KEY,
        deps=list(upstream),
        description=(
            "The nightly customer-experience report, one self-contained HTML file (data/reports/cx_report.html, "
            "and cx_report_<day>.html per day): KPI tiles with trends, the experience-vs-engagement quadrant and "
            "the claim checked by band, churn risk and reasons, ticket trends with anomalies and the costliest "
            "recurring issues, feedback sentiment, offer mix and expected value, data-quality status."
        ),
        group_name="reporting",
        partitions_def=daily_partitions,
        backfill_policy=BackfillPolicy.single_run(),
        kinds={"plotly", "html"},
        owners=["team:analytics"],
    )
    def cx_report(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
        day = run_day(context)
        with warehouse.get_connection() as con:
            result = build_report(con, paths().reports, day, DBT_PROJECT_DIR / "target" / "run_results.json")
        metadata = {
            "report": MetadataValue.path(str(result.path)),
            "open_report": MetadataValue.url(result.path.as_uri()),
            "latest_report": MetadataValue.path(str(result.latest)),
            "size_kb": round(result.size_bytes / 1024),
            "not_built_yet": ", ".join(result.data.missing) or "none",
            "kpis": MetadataValue.md(markdown_table(
                ["KPI", "value", "30 days before"],
                [(k.name, "–" if k.value is None else format(k.value, k.fmt),
                  "–" if k.previous is None else format(k.previous, k.fmt)) for k in result.tiles],
            )),
        }
        # numeric KPIs: the UI plots them across materializations
        for k in result.tiles:
            if k.value is not None:
                metadata["kpi_" + k.name.split(" (")[0].lower().replace(" ", "_")] = round(k.value, 4)
        return MaterializeResult(metadata=metadata)

    return cx_report


@asset_check(
    asset=BANDS_KEY,
    description=(
        "Better experience → more engagement → less churn, on the last day's data: the best experience band has "
        f"a higher mean engagement and a lower churn rate than the worst (bands of ≥ {MIN_CUSTOMERS} customers). "
        "A warning, not an error: it is a finding about the business, not a data defect."
    ),
)
def experience_link_holds(warehouse: Warehouse) -> AssetCheckResult:
    with warehouse.get_connection() as con:
        bands = con.execute(
            f"SELECT * FROM {'.'.join(BANDS_KEY.path)} WHERE date = (SELECT max(date) FROM {'.'.join(BANDS_KEY.path)})"
        ).df()
    verdict = experience_link_verdict(bands)
    return AssetCheckResult(
        passed=verdict.holds is not False,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "verdict": {True: "holds", False: "does not hold", None: "too little data"}[verdict.holds],
            "details": verdict.text,
            "day": str(bands["date"].iloc[0]) if not bands.empty else "none",
        },
    )
