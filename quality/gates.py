"""The quality gates of the raw layer and of the marts, as plain functions: each returns
verdicts (one per asset check) with the rows for quality.validation_results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from config.contract import Entity, bad_input_policy
from ingest.load import days_params, in_days
from quality import expectations as ex
from quality import frames
from quality.gx_validate import GxSession, SuiteOutcome
from quality.policy import judge_bad_input, load_results_from_log
from quality.results import ValidationRow

BAD_INPUT_CHECK = "bad_input_within_policy"
RAW_CONTRACT_CHECK = "raw_contract_gx"
RAW_PLAUSIBILITY_CHECK = "raw_plausibility_gx"
MART_CHECKS = {
    ("marts", "customer_360"): "customer_360_gx",
    ("marts", "cx_kpis_daily"): "cx_kpis_sanity_gx",
    ("marts", "fct_customer_activity"): "activity_customers_known_gx",
    ("features", "churn_features"): "churn_features_gx",
}


@dataclass
class Verdict:
    check_name: str
    asset: tuple[str, ...]
    passed: bool
    severity: str  # error | warn
    metadata: dict = field(default_factory=dict)
    rows: list[ValidationRow] = field(default_factory=list)


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    days: list[dt.date]

    @property
    def partition(self) -> str:
        if not self.days:
            return ""
        first, last = self.days[0].isoformat(), self.days[-1].isoformat()
        return first if first == last else f"{first}..{last}"


def _verdict(check: str, asset: tuple[str, ...], run: RunInfo, outcomes: list[SuiteOutcome]) -> Verdict:
    """One check from suites: fails when an error-level expectation fails; warns on warn-level ones."""
    failed = [o for s in outcomes for o in s.failed]
    errors = [o for s in outcomes if s.level == ex.ERROR for o in s.failed]
    rows = [
        ValidationRow(check, "/".join(asset), run.partition, f"{o.suite}: {o.expectation}", s.level, o.passed,
                      o.observed, s.rows_validated, run.run_id)
        for s in outcomes for o in s.outcomes
    ]
    metadata = {
        "expectations": len(rows),
        "failed": len(failed),
        "rows_validated": max((s.rows_validated for s in outcomes), default=0),
    }
    if failed:
        metadata["failures"] = "\n".join(f"{o.suite}: {o.expectation}: {o.observed}" for o in failed[:20])
    severity = ex.ERROR if errors or all(s.level == ex.ERROR for s in outcomes) else ex.WARN
    return Verdict(check, asset, not failed, severity, metadata, rows)


def raw_gate(
    con: duckdb.DuckDBPyConnection, entity: Entity, run: RunInfo, session: GxSession, settings: dict
) -> list[Verdict]:
    asset = ("raw", entity.source, entity.name)
    policy = bad_input_policy(entity.source)
    verdict = judge_bad_input(load_results_from_log(con, entity, run.days), policy)
    severity = ex.ERROR if policy.on_breach == "fail" else ex.WARN
    bad_input = Verdict(
        BAD_INPUT_CHECK, asset, not verdict.breached, severity,
        {"rows_landed": verdict.landed, "rows_rejected": verdict.rejected,
         "rejected_share": verdict.rejected_share, "max_rejected_share": policy.max_rejected_share,
         "on_breach": policy.on_breach, "summary": verdict.message},
        [ValidationRow(BAD_INPUT_CHECK, "/".join(asset), run.partition, "rejected share within policy", severity,
                       not verdict.breached, f"{verdict.rejected} of {verdict.landed} ({verdict.rejected_share:.2%})",
                       verdict.landed, run.run_id)],
    )
    rows = frames.raw_rows_frame(con, entity, run.days, settings["gx_max_rows"])
    contract = _verdict(RAW_CONTRACT_CHECK, asset, run, [
        session.validate(ex.raw_schema_suite(entity), frames.schema_frame(con, entity)),
        session.validate(ex.raw_rows_suite(entity), rows),
    ])
    volume = frames.volume_frame(con, entity, run.days, settings["volume"])
    plausibility = _verdict(RAW_PLAUSIBILITY_CHECK, asset, run, [
        session.validate(ex.raw_plausibility_suite(entity), rows),
        session.validate(ex.raw_volume_suite(entity), volume),
    ])
    plausibility.severity = ex.WARN
    for v in (contract, plausibility):
        v.metadata["rows_validated"] = len(rows)  # of the run's days (a sample beyond gx_max_rows)
    return [bad_input, contract, plausibility]


def marts_gate(
    con: duckdb.DuckDBPyConnection, run: RunInfo, session: GxSession, settings: dict, assets: set[tuple[str, ...]]
) -> list[Verdict]:
    """The selected marts' checks (`assets`: keys of MART_CHECKS)."""
    dim = "SELECT count(*) FROM marts.dim_customer"
    suites = {
        ("marts", "customer_360"): lambda: [
            session.validate(ex.integrity_suite("customer_360", expect_rows=True),
                             frames.integrity_frame(con, "marts.customer_360", ["customer_id"],
                                                    expected_rows_sql=dim)),
            session.validate(ex.customer_360_scores_suite(),
                             frames.customer_360_scores_frame(con, settings["gx_max_rows"])),
        ],
        ("marts", "cx_kpis_daily"): lambda: [session.validate(ex.cx_kpis_suite(), frames.cx_kpis_frame(con))],
        ("marts", "fct_customer_activity"): lambda: [
            session.validate(
                ex.integrity_suite("fct_customer_activity"),
                # The rows of the run's landing days: the whole timeline is too big to scan nightly.
                frames.integrity_frame(con, "marts.fct_customer_activity", ["activity_id"],
                                       in_days("landed_date"), days_params(run.days)),
            ),
        ],
        ("features", "churn_features"): lambda: [
            session.validate(ex.integrity_suite("churn_features"),
                             frames.integrity_frame(con, "features.churn_features", ["as_of_date", "customer_id"],
                                                    in_days("as_of_date"), days_params(run.days))),
        ],
    }
    return [_verdict(MART_CHECKS[a], a, run, suites[a]()) for a in MART_CHECKS if a in assets]
