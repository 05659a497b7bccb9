"""Quality gates without Dagster: GX suites from the contract on real raw tables, the marts'
suites on small hand-made marts, the results table and Data Docs."""

from __future__ import annotations

import datetime as dt

import pytest

from config.contract import entities, entity
from config.settings import pipeline_config
from ingest.load import ensure_raw_tables, load_days
from quality import expectations as ex
from quality.gates import BAD_INPUT_CHECK, RAW_CONTRACT_CHECK, RAW_PLAUSIBILITY_CHECK, RunInfo, marts_gate, raw_gate
from quality.gx_validate import GxSession
from quality.results import RESULTS_TABLE, record_results

DAY = dt.date(2026, 1, 5)
TS = "2026-01-05 10:00:00"
SURVEY_HEADER = "survey_id,requester_id,ticket_id,survey_type,score,comment,submitted_at"


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    return GxSession(tmp_path_factory.mktemp("data_docs"))


def _surveys(tmp_path, day: dt.date, rows: list[str]):
    path = tmp_path / "support" / "surveys" / f"{day}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([SURVEY_HEADER, *rows]) + "\n")


def _gate(con, session, days, run_id="run-1"):
    e = entity("support", "surveys")
    return {v.check_name: v for v in raw_gate(con, e, RunInfo(run_id, days), session, pipeline_config()["quality"])}


def _load(con, tmp_path, days):
    e = entity("support", "surveys")
    ensure_raw_tables(con, [e])
    load_days(con, e, days, tmp_path)


def test_raw_suites_come_from_the_contract():
    for e in entities():
        rows = ex.raw_rows_suite(e)
        required = {x.kwargs["column"] for x in rows.expectations if x.type == "expect_column_values_to_not_be_null"}
        assert required == {c.name for c in e.columns if c.required} and set(e.key) <= required
        value_sets = {x.kwargs["column"]: x.kwargs["value_set"] for x in rows.expectations
                      if x.type == "expect_column_values_to_be_in_set"}
        assert value_sets == {c.name: list(c.values) for c in e.columns if c.values}
    ranged = ex.raw_plausibility_suite(entity("support", "surveys")).expectations[0]
    assert ranged.kwargs == {"column": "score", "min_value": 0, "max_value": 10}
    invoices = {x.kwargs.get("column_B") for x in ex.raw_plausibility_suite(entity("finance", "invoices")).expectations}
    assert "issued_at" in invoices and "due_date" not in invoices  # due dates may lie ahead


def test_clean_day_passes_every_raw_check(con, tmp_path, session):
    _surveys(tmp_path, DAY, [f"S{i},R{i},,nps,{i},,{TS}" for i in range(1, 10)])
    _load(con, tmp_path, [DAY])
    verdicts = _gate(con, session, [DAY])
    assert {name: v.passed for name, v in verdicts.items()} == {
        BAD_INPUT_CHECK: True, RAW_CONTRACT_CHECK: True, RAW_PLAUSIBILITY_CHECK: True
    }
    assert verdicts[RAW_CONTRACT_CHECK].metadata["rows_validated"] == 9


def test_out_of_range_and_future_values_warn_without_failing(con, tmp_path, session):
    _surveys(tmp_path, DAY, [f"S1,R1,,nps,42,,{TS}", "S2,R2,,nps,7,,2026-01-09 08:00:00", f"S3,R3,,csat,4,,{TS}"])
    _load(con, tmp_path, [DAY])
    verdicts = _gate(con, session, [DAY])
    plausible = verdicts[RAW_PLAUSIBILITY_CHECK]
    assert (plausible.passed, plausible.severity) == (False, "warn")
    failures = plausible.metadata["failures"]
    assert "expect_column_values_to_be_between(score): 1 of 3 rows unexpected, e.g. 42" in failures
    assert "greater_than_b(_known_by, submitted_at): 1 of 3 rows unexpected" in failures
    assert verdicts[RAW_CONTRACT_CHECK].passed and verdicts[BAD_INPUT_CHECK].passed


def test_a_broken_raw_table_fails_the_contract_check(con, tmp_path, session):
    _surveys(tmp_path, DAY, [f"S1,R1,,nps,9,,{TS}"])
    _load(con, tmp_path, [DAY])
    # What ingestion never writes, a hand edit or another writer could: a duplicate key, a value
    # outside its set, a column dropped.
    con.execute(f"INSERT INTO raw.support__surveys (survey_id, requester_id, survey_type, score, submitted_at, "
                f"_partition_date) VALUES ('S1', 'R9', 'stars', 3, '{TS}', DATE '{DAY}')")
    con.execute("ALTER TABLE raw.support__surveys DROP COLUMN comment")
    verdict = _gate(con, session, [DAY])[RAW_CONTRACT_CHECK]
    assert (verdict.passed, verdict.severity) == (False, "error")
    failures = verdict.metadata["failures"]
    assert "support__surveys.schema: expect_column_pair_values_to_be_equal(expected_type, actual_type)" in failures
    assert "expect_compound_columns_to_be_unique(survey_id,_partition_date): 2 of 2 rows unexpected" in failures
    assert "expect_column_values_to_be_in_set(survey_type): 1 of 2 rows unexpected, e.g. stars" in failures


def test_rejects_above_the_share_fail_the_bad_input_check_for_a_failing_source(con, tmp_path, session):
    _surveys(tmp_path, DAY, [f"S1,R1,,nps,9,,{TS}", "S2,R2,,nps,nine,,", f"S3,R3,,nps,8,,{TS}"])
    _load(con, tmp_path, [DAY])
    verdict = _gate(con, session, [DAY])[BAD_INPUT_CHECK]
    assert (verdict.passed, verdict.severity) == (False, "error")  # support: 5 % allowed, then fail
    assert verdict.metadata["rows_rejected"] == 1 and verdict.metadata["rows_landed"] == 3
    assert "score: nine is not a integer" in verdict.metadata["summary"]


def test_volume_outside_the_band_of_recent_days_warns(con, tmp_path, session):
    days = [DAY + dt.timedelta(days=i) for i in range(9)]
    for i, day in enumerate(days):
        n = [900, 120, 130, 110, 125, 120, 118, 122, 400][i]  # a bulk first load; the last day jumps
        _surveys(tmp_path, day, [f"S{i}-{j},R{j},,nps,8,,{day} 09:00:00" for j in range(n)])
    _load(con, tmp_path, days)
    # Days 2-8: too little history for a band (the bulk load is not judged against), then within it.
    assert _gate(con, session, days[:8])[RAW_PLAUSIBILITY_CHECK].passed
    verdict = _gate(con, session, days[8:])[RAW_PLAUSIBILITY_CHECK]
    assert not verdict.passed
    assert "volume: expect_column_pair_values_a_to_be_greater_than_b(band_high, rows_landed)" in (
        verdict.metadata["failures"]
    )


def _marts(con, c360_extra: str = "", kpi_nps: float = 20.0):
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA features")
    con.execute("CREATE TABLE marts.dim_customer AS SELECT * FROM (VALUES ('c1'), ('c2'), ('c3')) t(customer_id)")
    con.execute(
        "CREATE TABLE marts.customer_360 AS SELECT * FROM (VALUES ('c1', 10.0, 50.0), ('c2', 99.0, 20.0), "
        f"('c3', NULL, NULL) {c360_extra}) t(customer_id, engagement_score, experience_score)"
    )
    con.execute(
        f"CREATE TABLE marts.fct_customer_activity AS SELECT *, DATE '{DAY}' AS landed_date "
        "FROM (VALUES ('a1', 'c1'), ('a2', 'c2')) t(activity_id, customer_id)"
    )
    con.execute(
        f"CREATE TABLE marts.cx_kpis_daily AS SELECT DATE '{DAY}' AS date, {kpi_nps} AS nps, 4.2 AS csat_avg, "
        "5.0 AS effort_avg, 0.01 AS churn_rate, 3 AS tickets_opened, 3 AS known_customers, 2 AS active_customers, "
        "99.0 AS mrr"
    )
    con.execute(f"CREATE TABLE features.churn_features AS SELECT DATE '{DAY}' AS as_of_date, customer_id "
                "FROM marts.dim_customer")


def _marts_gate(con, session):
    verdicts = marts_gate(con, RunInfo("run-1", [DAY]), session, pipeline_config()["quality"],
                          {("marts", "customer_360"), ("marts", "cx_kpis_daily"), ("marts", "fct_customer_activity"),
                           ("features", "churn_features")})
    return {v.check_name: v for v in verdicts}


def test_consistent_marts_pass(con, session):
    _marts(con)
    verdicts = _marts_gate(con, session)
    assert {n: v.passed for n, v in verdicts.items()} == {
        "customer_360_gx": True, "cx_kpis_sanity_gx": True, "activity_customers_known_gx": True,
        "churn_features_gx": True,
    }


def test_a_duplicate_or_unknown_customer_and_an_impossible_kpi_fail_the_marts(con, session):
    _marts(con, c360_extra=", ('c2', 5.0, 5.0), ('ghost', 101.0, 5.0)", kpi_nps=140.0)
    verdicts = _marts_gate(con, session)
    c360 = verdicts["customer_360_gx"]
    assert (c360.passed, c360.severity) == (False, "error")
    failures = c360.metadata["failures"]
    assert "customer_360.integrity: expect_column_pair_values_to_be_equal(rows, distinct_keys)" in failures
    assert "expect_column_values_to_be_between(unknown_customers): 1 of 1 rows unexpected, e.g. 1" in failures
    assert "expect_column_pair_values_to_be_equal(rows, expected_rows)" in failures
    assert "customer_360.scores: expect_column_values_to_be_between(engagement_score)" in failures
    assert not verdicts["cx_kpis_sanity_gx"].passed
    assert "e.g. 140.0" in verdicts["cx_kpis_sanity_gx"].metadata["failures"]
    assert verdicts["activity_customers_known_gx"].passed


def test_results_are_kept_per_run_and_a_retry_replaces_its_own(con, tmp_path, session):
    _surveys(tmp_path, DAY, [f"S1,R1,,nps,9,,{TS}"])
    _load(con, tmp_path, [DAY])
    for run_id in ["run-1", "run-1", "run-2"]:  # run-1 retried once
        verdicts = _gate(con, session, [DAY], run_id)
        record_results(con, [row for v in verdicts.values() for row in v.rows])
    per_run = con.execute(
        f"SELECT run_id, count(*), count(*) FILTER (WHERE passed), min(partition), min(asset) FROM {RESULTS_TABLE} "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    expectations = sum(len(v.rows) for v in verdicts.values())
    assert per_run == [("run-1", expectations, expectations, "2026-01-05", "raw/support/surveys"),
                       ("run-2", expectations, expectations, "2026-01-05", "raw/support/surveys")]


def test_data_docs_are_built_to_the_local_folder(session, con, tmp_path):
    _surveys(tmp_path, DAY, [f"S1,R1,,nps,9,,{TS}"])
    _load(con, tmp_path, [DAY])
    _gate(con, session, [DAY])
    index = session.build_docs()
    assert index.exists() and "support__surveys.rows" in index.read_text()
    assert list((index.parent / "validations" / "support__surveys" / "rows").rglob("*.html"))
