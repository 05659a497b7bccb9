"""The dbt project: its structure (fast, from `dbt parse`) and its knowledge-time guarantee.

The end-to-end test (test_pipeline_e2e.py) re-runs windows with all data already landed.
The slow test here checks the stronger property of the window-incremental models: a
backfill of day D run AFTER later data has landed (snapshot re-deliveries, late records,
re-resolved identities) reproduces exactly what the nightly run of D produced.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from config.contract import entities
from config.settings import DBT_PROJECT_DIR

DBT = Path(sys.executable).parent / "dbt"
INCREMENTAL_MARTS = {"fct_customer_activity", "customer_daily_metrics", "cx_kpis_daily", "experience_engagement_bands"}
INCREMENTAL_EVENTS = {"stg_marketing__email_events", "stg_marketing__web_events"}
INCREMENTAL = INCREMENTAL_MARTS | INCREMENTAL_EVENTS | {
    "churn_features",
    "churn_labels",
    "offer_customer_context",
    "offer_exposure_examples",
}
MARTS = INCREMENTAL_MARTS | {
    "customer_identity_map",
    "identity_match_pairs",
    "dim_customer",
    "customer_360",
    "support_ticket_trends",
    "support_recurring_issues",
    "feedback_sentiment",
    "feedback_sentiment_weekly",
}


def _dbt(args: list[str], warehouse: Path, target: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "C360_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [str(DBT), *args, "--target-path", str(target), "--log-path", str(target / "logs")],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    output = f"{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    assert result.returncode == 0 or not check, f"dbt {' '.join(args)} failed:\n{output}"
    return result


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("dbt_parse")
    _dbt(["parse"], target / "unused.duckdb", target)
    return json.loads((target / "manifest.json").read_text())


def _models(manifest: dict) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def test_every_contract_entity_has_a_staging_model(manifest):
    models = _models(manifest)
    for e in entities():
        name = f"stg_{e.source}__{e.name}"
        node = models.get(name)
        assert node is not None, f"no staging model for {e.source}.{e.name}"
        assert node["config"]["materialized"] == ("window_incremental" if name in INCREMENTAL else "view")
        assert node["schema"] == "staging"
        assert [e.source, e.name] in node["sources"]


def test_every_model_and_mart_column_is_documented(manifest):
    for name, node in _models(manifest).items():
        assert node["description"].strip(), f"{name} has no description"
        assert node["patch_path"], f"{name} has no yml"
    for name in MARTS:
        node = _models(manifest)[name]
        assert node["schema"] == "marts"
        assert node["config"]["contract"]["enforced"], name
        assert node["columns"], name
        for col in node["columns"].values():
            assert col["description"].strip() and col["data_type"], f"{name}.{col['name']}"


def test_incremental_models_are_exactly_the_window_models(manifest):
    models = _models(manifest)
    incremental = {n for n, node in models.items() if "incremental" in node["config"]["tags"]}
    assert incremental == INCREMENTAL
    for name in INCREMENTAL:
        config = models[name]["config"]
        assert config["materialized"] == "window_incremental"  # DuckDB's: macros/window_incremental.sql
        assert config["meta"]["landing_window_column"] in (
            "date", "landed_date", "first_landed_date", "as_of_date", "horizon_end_date", "label_known_date"
        )
        # the landing window filter lives in one macro (macros/landing_window.sql)
        code = models[name]["raw_code"]
        macros = ("in_landing_window", "landed_before_window_end", "first_landings_in_window")
        assert any(f"{macro}(" in code for macro in macros)


def test_selectors_and_identity_source_for_the_orchestrator(manifest):
    expected = {"incremental", "rebuilt", "pre_identity", "marts"}
    assert expected <= set(manifest["selectors"])
    source = next(
        s for s in manifest["sources"].values() if (s["source_name"], s["name"]) == ("identity", "resolved_identities")
    )
    assert source["schema"] == "identity"
    assert source["meta"]["dagster"]["asset_key"] == ["identity", "resolved_identities"]


def test_unit_tests_cover_scores_normalisation_and_versions(manifest):
    tested = {u["model"] for u in manifest["unit_tests"].values()}
    assert {
        "int_customer_metric_states",
        "customer_daily_metrics",
        "cx_kpis_daily",
        "stg_marketing__contacts",
        "stg_marketing__web_events",
        "stg_sales__customers",
        "stg_support__tickets",
        "int_subscription_events",
        "churn_labels",
        "int_identity_records",
    } <= tested


# --- the knowledge-time guarantee --------------------------------------------------------------

START = dt.date(2026, 1, 1)
DAYS = 20
BACKFILLED_DAY = START + dt.timedelta(days=11)


def _copy_landing(src: Path, dst: Path, before: dt.date | None) -> None:
    for f in src.rglob("*.*"):
        if f.is_file() and (before is None or f.name.split(".")[0] < before.isoformat()):
            out = dst / f.relative_to(src)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, out)


def _python(module: str, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=DBT_PROJECT_DIR.parent, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]


def _refresh(data: Path, target: Path, run_date: dt.date, window: tuple[dt.date, dt.date], command: str) -> None:
    """What a nightly run does: ingest, staging/intermediate, identity, then the marts, each dbt
    step with the window."""
    warehouse = data / "warehouse.duckdb"
    window_vars = json.dumps({"min_date": window[0].isoformat(), "max_date": window[1].isoformat()})
    _python("ingest", "--data-dir", str(data))
    _dbt([command, "--selector", "pre_identity", "--vars", window_vars], warehouse, target)
    _python("ml.identity", "--data-dir", str(data), "--run-date", run_date.isoformat())
    last_day = (window[1] - dt.timedelta(days=1)).isoformat()
    _python("ml.sentiment", "--data-dir", str(data), "--from", window[0].isoformat(), "--to", last_day)
    _dbt([command, "--selector", "marts", "--vars", window_vars], warehouse, target)


@pytest.mark.e2e
def test_backfill_after_later_data_reproduces_the_nightly_run(tmp_path):
    from synthetic.generate import generate

    world, data, target = tmp_path / "world", tmp_path / "data", tmp_path / "target"
    generate(world, persons=300, days=DAYS, start=START, seed=11)
    day_after = BACKFILLED_DAY + dt.timedelta(days=1)

    # The nightly run of D: only what had landed by D (the first run builds every day up to D).
    _copy_landing(world / "landing", data / "landing", before=day_after)
    _refresh(data, target, BACKFILLED_DAY, (START, day_after), "build")
    tables = {
        "marts.fct_customer_activity": "landed_date",
        "marts.customer_daily_metrics": "date",
        "marts.cx_kpis_daily": "date",
        "marts.experience_engagement_bands": "date",
        "features.churn_features": "as_of_date",
    }
    with duckdb.connect(str(data / "warehouse.duckdb")) as con:
        _assert_features_of_the_days_read(con, last_day=BACKFILLED_DAY, scored_days=7, snapshot_every_days=7)
        con.execute("CREATE SCHEMA nightly")
        for table, day_column in tables.items():
            con.execute(
                f"CREATE TABLE nightly.{table.split('.')[1]} AS SELECT * FROM {table} "
                f"WHERE {day_column} = DATE '{BACKFILLED_DAY}'"
            )

    # Weeks later everything has landed; identities are re-resolved and day D is backfilled alone.
    _copy_landing(world / "landing", data / "landing", before=None)
    _refresh(data, target, START + dt.timedelta(days=DAYS), (BACKFILLED_DAY, day_after), "run")

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        # Identity merges / splits legitimately change customer ids (and counts of customers):
        # compare the rows of unaffected customers, and activities without their customer id.
        changed = (
            "SELECT old_customer_id FROM identity.customer_id_changelog "
            "UNION SELECT new_customer_id FROM identity.customer_id_changelog"
        )
        identity_changes = con.execute("SELECT count(*) FROM identity.customer_id_changelog").fetchall()[0][0]
        columns = {"marts.fct_customer_activity": "* EXCLUDE (customer_id)"}
        for table, day_column in tables.items():
            if table in ("marts.cx_kpis_daily", "marts.experience_engagement_bands") and identity_changes:
                continue
            where = f"{day_column} = DATE '{BACKFILLED_DAY}'"
            if table in ("marts.customer_daily_metrics", "features.churn_features"):
                where += f" AND customer_id NOT IN ({changed})"
            backfill = f"SELECT {columns.get(table, '*')} FROM {table} WHERE {where}"
            nightly = f"SELECT {columns.get(table, '*')} FROM nightly.{table.split('.')[1]} WHERE {where}"
            rows = con.execute(f"SELECT count(*) FROM ({nightly})").fetchall()[0][0]
            only_backfill = con.execute(f"SELECT count(*) FROM ({backfill} EXCEPT ALL {nightly})").fetchall()[0][0]
            only_nightly = con.execute(f"SELECT count(*) FROM ({nightly} EXCEPT ALL {backfill})").fetchall()[0][0]
            assert rows > 0, table
            assert (only_backfill, only_nightly) == (0, 0), table


def _assert_features_of_the_days_read(con, last_day: dt.date, scored_days: int, snapshot_every_days: int) -> None:
    """A run longer than backfill_scored_days writes the churn features of every customer on the
    days it scores and the training snapshot days, and on other days only those of the customers
    exposed to an offer the day after (the dbt_project.yml defaults: 7, 7 from 2026-01-01)."""
    days = con.execute("""
        WITH eves AS (
            SELECT DISTINCT m.customer_id, CAST(e.exposed_at AS DATE) - 1 AS as_of_date
            FROM staging.stg_marketing__offer_exposures e
            JOIN marts.customer_identity_map m ON m.source_system = 'marketing' AND m.source_record_id = e.contact_id
        )
        SELECT d.date, count(*), count(e.customer_id), count(f.customer_id)
        FROM marts.customer_daily_metrics d
        LEFT JOIN eves e ON e.customer_id = d.customer_id AND e.as_of_date = d.date
        LEFT JOIN features.churn_features f ON f.customer_id = d.customer_id AND f.as_of_date = d.date
        GROUP BY d.date ORDER BY d.date""").fetchall()
    thinned = 0
    for day, customers, eves, features in days:
        kept = day > last_day - dt.timedelta(days=scored_days) or (day - START).days % snapshot_every_days == 0
        assert features == (customers if kept else eves), day
        thinned += not kept and eves < customers
    assert thinned > 0
    assert con.execute("SELECT count(*) FROM features.churn_features").fetchall()[0][0] == sum(d[3] for d in days)


def _test_failures(warehouse: Path, target: Path, select: str, window: tuple[str, str] | None) -> dict[str, int]:
    """Failing rows per data test of `select` (dbt test, the window's vars), by test name."""
    args = ["test", "--select", select]
    if window:
        args += ["--vars", json.dumps({"min_date": window[0], "max_date": window[1]})]
    _dbt(args, warehouse, target, check=False)  # failing tests are what is read
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[2]: r["failures"] for r in results}


def test_daily_metrics_tests_read_the_run_and_the_day_before(tmp_path):
    # Each customer's days of metrics; the run's window is March 10-12.
    days = {
        "steady": range(1, 13),
        "gap_in_the_run": [9, 10, 12],
        "late_after_the_day_before": [8, 9, 11, 12],
        "new_in_the_run": [11, 12],
        "merged_away_before_the_run": range(1, 10),
        "gap_before_the_run": [1, 3, *range(9, 13)],
        "split_seen_later": range(1, 13),
    }
    first_seen = {customer: min(d) for customer, d in days.items()} | {"split_seen_later": 12}
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.customer_daily_metrics (customer_id VARCHAR, date DATE)")
        con.execute("CREATE TABLE marts.dim_customer (customer_id VARCHAR, first_seen_date DATE)")
        for customer, ds in days.items():
            con.executemany("INSERT INTO marts.customer_daily_metrics VALUES (?, ?)",
                            [(customer, dt.date(2026, 3, d)) for d in ds])
            con.execute("INSERT INTO marts.dim_customer VALUES (?, ?)",
                        [customer, dt.date(2026, 3, first_seen[customer])])

    tests = "assert_daily_metrics_dense_per_customer assert_daily_metrics_not_before_first_seen"
    nightly = _test_failures(warehouse, tmp_path / "nightly", tests, ("2026-03-10", "2026-03-13"))
    assert nightly == {"assert_daily_metrics_dense_per_customer": 2,
                       "assert_daily_metrics_not_before_first_seen": 1}
    # Without a window (a full refresh) the whole history is read: the older gap is found too.
    everything = _test_failures(warehouse, tmp_path / "everything", tests, None)
    assert everything == {"assert_daily_metrics_dense_per_customer": 3,
                          "assert_daily_metrics_not_before_first_seen": 1}


def test_landed_relationships_read_the_rows_landed_in_the_run(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.sales__orders AS SELECT 'O1' AS order_id, DATE '2026-03-01' AS _partition_date")
        con.execute("CREATE TABLE raw.sales__products AS SELECT 'P1' AS product_id")
        con.execute(
            "CREATE TABLE raw.sales__order_lines AS SELECT * FROM (VALUES "
            "('O1', 'P1', DATE '2026-03-01'), "
            "('O9', 'P1', DATE '2026-03-02'), "  # an orphan line, landed before the run
            "('O1', 'P1', DATE '2026-03-10'), ('O8', 'P1', DATE '2026-03-10'), (NULL, 'P1', DATE '2026-03-10')"
            ") t(order_id, product_id, _partition_date)"
        )
    select = "test_name:landed_relationships,stg_sales__order_lines"
    order_test = ("landed_relationships_stg_sales__order_lines_order_id__order_id__"
                  "source_sales_order_lines___source_sales_orders_")
    nightly = _test_failures(warehouse, tmp_path / "nightly", select, ("2026-03-10", "2026-03-11"))
    assert nightly[order_test] == 1 and sum(nightly.values()) == 1
    everything = _test_failures(warehouse, tmp_path / "everything", select, None)
    assert everything[order_test] == 2 and sum(everything.values()) == 2


def test_outputs_doc_is_in_sync_with_the_marts(manifest):
    # Run `python -m tools.outputs_doc` after changing a mart's yml.
    from tools.outputs_doc import OUTPUTS_DOC, outputs_markdown

    assert OUTPUTS_DOC.read_text() == outputs_markdown(manifest)


def test_blocked_identifiers_are_the_same_for_matching_and_the_golden_record():
    import yaml

    from config.settings import pipeline_config

    dbt_vars = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    identity = pipeline_config()["identity"]
    assert dbt_vars["blocked_email_prefixes"] == identity["blocked_emails"]
    assert dbt_vars["blocked_phones"] == identity["blocked_phones"]


def test_churn_offer_and_scoring_vars_are_the_same_for_dbt_and_the_pipeline():
    import yaml

    from config.settings import offer_rules, pipeline_config
    from orchestration.dbt_args import churn_vars, feature_days_vars, nbo_vars

    dbt_vars = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    passed = churn_vars(pipeline_config()["churn"]) | nbo_vars(offer_rules()) | feature_days_vars(pipeline_config())
    for name, value in passed.items():
        assert dbt_vars[name] == value, name
