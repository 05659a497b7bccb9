"""Runs identity resolution against the warehouse: reads the person-records that dbt
prepared, writes identity.resolved_identities and appends to identity.customer_id_changelog.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from ml.identity.rules import RuleConfig, match_clusters
from ml.identity.stable_ids import assign_ids

RECORDS_RELATION = "intermediate.int_identity_records"
RESOLVED_TABLE = "identity.resolved_identities"
CHANGELOG_TABLE = "identity.customer_id_changelog"


@dataclass
class ResolutionStats:
    records: int
    customers: int
    records_by_rule: dict[str, int]
    largest_cluster: int
    cluster_size_counts: dict[int, int]
    merges: int
    splits: int


def _table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        ).fetchall()[0][0]
    )


def resolve_frame(
    records: pd.DataFrame, previous: pd.DataFrame | None, cfg: RuleConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pure resolution: (resolved identities, changelog) from records and the previous run's map."""
    records = records.sort_values(["source_system", "source_record_id"], ignore_index=True)
    labels, first_rule = match_clusters(records, cfg)
    customer_ids, changelog = assign_ids(records, labels, previous)
    rule_names = pd.Series(list(cfg.rules) + ["unique"])
    resolved = pd.DataFrame(
        {
            "source_system": records["source_system"],
            "source_record_id": records["source_record_id"],
            "customer_id": customer_ids,
            "match_rule": rule_names.iloc[first_rule].to_numpy(),  # index -1 → "unique"
            "match_probability": 1.0,
        }
    )
    return resolved, changelog


def resolve(con: duckdb.DuckDBPyConnection, cfg: RuleConfig, run_date: dt.date) -> ResolutionStats:
    records = con.execute(
        f"SELECT source_system, source_record_id, email_normalized, phone_normalized, crm_reference, "
        f"first_landed_date FROM {RECORDS_RELATION}"
    ).df()
    previous = con.execute(f"SELECT * FROM {RESOLVED_TABLE}").df() if _table_exists(con, RESOLVED_TABLE) else None
    resolved, changelog = resolve_frame(records, previous, cfg)
    changelog.insert(3, "run_date", run_date)

    con.execute("CREATE SCHEMA IF NOT EXISTS identity")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {CHANGELOG_TABLE} (old_customer_id VARCHAR, new_customer_id VARCHAR, "
        "reason VARCHAR, run_date DATE, records_moved BIGINT)"
    )
    con.register("_resolved", resolved)
    con.register("_changelog", changelog)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE {RESOLVED_TABLE} AS SELECT source_system, source_record_id, customer_id, "
            "match_rule, CAST(match_probability AS DOUBLE) AS match_probability FROM _resolved "
            "ORDER BY source_system, source_record_id"
        )
        # Re-running a day replaces that day's changelog entries instead of adding them twice.
        con.execute(f"DELETE FROM {CHANGELOG_TABLE} WHERE run_date = ?", [run_date])
        con.execute(f"INSERT INTO {CHANGELOG_TABLE} SELECT * FROM _changelog")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_resolved")
        con.unregister("_changelog")

    sizes = resolved.groupby("customer_id").size()
    return ResolutionStats(
        records=len(resolved),
        customers=int(sizes.size),
        records_by_rule={k: int(v) for k, v in resolved["match_rule"].value_counts().sort_index().items()},
        largest_cluster=int(sizes.max()) if sizes.size else 0,
        cluster_size_counts={int(k): int(v) for k, v in sizes.value_counts().sort_index().items()},
        merges=int((changelog["reason"] == "merge").sum()),
        splits=int((changelog["reason"] == "split").sum()),
    )
