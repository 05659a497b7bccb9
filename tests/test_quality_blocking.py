"""Through Dagster, on one raw asset: a source whose bad rows breach a failing policy stops the
run before anything downstream is built; the same breach in a warning source only annotates."""

from __future__ import annotations

from dagster import AssetKey, BackfillPolicy, DagsterInstance, asset, materialize
from dagster_duckdb import DuckDBResource

from config.contract import entity
from orchestration.assets.ingestion import build_ingestion_asset
from orchestration.assets.quality import build_raw_quality_gate

DAY = "2026-01-05"
TS = "2026-01-05 10:00:00"


def _run(tmp_path, monkeypatch, source: str, name: str, rows: list[str], header: str):
    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    path = tmp_path / "landing" / source / name / f"{DAY}.csv"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join([header, *rows]) + "\n")
    e = entity(source, name)
    raw = build_ingestion_asset(e)
    built = []

    @asset(deps=[AssetKey(["raw", source, name])], partitions_def=raw.partitions_def,
           backfill_policy=BackfillPolicy.single_run())
    def downstream() -> None:
        built.append(True)

    result = materialize(
        [raw, downstream, build_raw_quality_gate([e])],
        partition_key=DAY,
        resources={"warehouse": DuckDBResource(database=str(tmp_path / "warehouse.duckdb"))},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    return result, checks, bool(built)


CUSTOMERS = "crm_id,full_name,email,phone,street,city,postal_code,country,created_at,updated_at"
CONTACTS = "contact_id,email,first_name,last_name,phone,country,crm_id,marketing_opt_in,created_at,updated_at"


def test_a_failing_policy_breach_blocks_downstream_and_fails_the_run(tmp_path, monkeypatch):
    rows = [f"R{i},Ann Lee,a{i}@x.com,,,,,US,{TS},{TS}" for i in range(9)] + ["R9,Bo Li,b@x.com,,,,,US,never,"]
    result, checks, built = _run(tmp_path, monkeypatch, "sales", "customers", rows, CUSTOMERS)
    assert not result.success and not built
    bad_input = checks["bad_input_within_policy"]
    assert (bad_input.passed, bad_input.severity.value) == (False, "ERROR")
    assert "1 of 10 rows rejected (10.0%), 1% allowed" in bad_input.metadata["summary"].value
    assert checks["raw_contract_gx"].passed  # what was loaded is sound; the policy alone stops it


def test_a_warning_source_carries_on(tmp_path, monkeypatch):
    rows = [f"C{i},a{i}@x.com,Ann,Lee,,US,,true,{TS},{TS}" for i in range(4)] + ["C9,broken"]  # 20 % rejected
    result, checks, built = _run(tmp_path, monkeypatch, "marketing", "contacts", rows, CONTACTS)
    assert result.success and built
    bad_input = checks["bad_input_within_policy"]
    assert (bad_input.passed, bad_input.severity.value) == (False, "WARN")
    assert checks["raw_contract_gx"].passed
    assert "data_docs" in checks["raw_contract_gx"].metadata
