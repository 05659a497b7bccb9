"""Runs identity resolution against the warehouse: reads the person-records that dbt
prepared, writes identity.resolved_identities and appends to identity.customer_id_changelog.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ml.identity.clusters import constrained_clusters
from ml.identity.duck import connect, load_table
from ml.identity.model_store import StoredModel, stored_model
from ml.identity.probabilistic import NO_PAIRS, score_pairs
from ml.identity.rules import NAME_GUARDED_RULES, RuleConfig, matching_frame, name_conflict_sql, rule_pairs
from ml.identity.stable_ids import RECORD_KEY, assign_ids
from ml.warehouse import ddl, relation_exists, transaction

RECORDS_RELATION = "intermediate.int_identity_records"
OVERRIDES_RELATION = "seeds.identity_overrides"
RESOLVED_TABLE = "identity.resolved_identities"
CHANGELOG_TABLE = "identity.customer_id_changelog"
PAIRS_TABLE = "identity.match_pairs"
RECORD_COLUMNS = [
    "source_system", "source_record_id", "email_normalized", "phone_normalized", "crm_reference",
    "first_landed_date", "first_name_key", "last_name_key", "email_user", "postal_code",
]
SYSTEMS = ["marketing", "sales", "support", "finance"]
ALWAYS, PROBABILISTIC, UNIQUE = "always_match", "probabilistic", "unique"
OVERRIDE_COLUMNS = ["left_source_system", "left_source_record_id", "right_source_system", "right_source_record_id",
                    "decision"]


@dataclass
class ResolutionStats:
    records: int
    customers: int
    records_by_rule: dict[str, int]
    largest_cluster: int
    cluster_size_counts: dict[int, int]
    merges: int
    splits: int
    pairs_by_decision: dict[str, int] = field(default_factory=dict)
    skipped_blocking_rules: list[str] = field(default_factory=list)
    model_training_day: dt.date | None = None  # of the stored splink model that scored the pairs


@dataclass
class Resolution:
    resolved: pd.DataFrame  # one row per record: the identity map
    clusters: np.ndarray  # each record's cluster, aligned with `resolved`: one customer id per cluster
    changelog: pd.DataFrame  # merges and splits of customer ids against the previous map
    pairs: pd.DataFrame  # every candidate pair with its rule, probability and decision
    skipped_blocking_rules: list[str] = field(default_factory=list)  # over the comparison ceiling
    model_training_day: dt.date | None = None


def _override_pairs(records: pd.DataFrame, overrides: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(always links, never pairs) as l, r positions; overrides naming unknown records are ignored."""
    empty = pd.DataFrame({"l": pd.Series(dtype=np.int64), "r": pd.Series(dtype=np.int64)})
    if overrides is None or overrides.empty:
        return empty, empty.copy()
    pos = pd.Series(np.arange(len(records)), index=pd.MultiIndex.from_frame(records[["source_system",
                                                                                      "source_record_id"]]))
    a = pos.reindex(pd.MultiIndex.from_frame(overrides[["left_source_system", "left_source_record_id"]]))
    b = pos.reindex(pd.MultiIndex.from_frame(overrides[["right_source_system", "right_source_record_id"]]))
    decisions = overrides["decision"].str.strip().str.lower().to_numpy()
    both = pd.DataFrame({"a": a.to_numpy(), "b": b.to_numpy(), "decision": decisions})
    both = both.dropna(subset=["a", "b"])
    both = both[both["a"] != both["b"]]
    out = pd.DataFrame({"l": np.minimum(both["a"], both["b"]).astype(np.int64),
                        "r": np.maximum(both["a"], both["b"]).astype(np.int64), "decision": both["decision"]})
    never = out[out["decision"] == "never"][["l", "r"]].drop_duplicates()
    # A pair a steward marked both ways stays apart: "never" is the safe reading.
    always = out[out["decision"] == "always"][["l", "r"]].drop_duplicates()
    always = always.merge(never, how="left", indicator=True).query("_merge == 'left_only'")[["l", "r"]]
    return always.reset_index(drop=True), never.reset_index(drop=True)


def _guard_flags(con: duckdb.DuckDBPyConnection, pairs: pd.DataFrame, cfg: RuleConfig) -> tuple[np.ndarray, np.ndarray]:
    """(name conflict, phone conflict) per scored pair: the guards the rules obey bind the model too."""
    if pairs.empty:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    con.register("_scored", pairs[["l", "r"]].assign(i=np.arange(len(pairs))))
    flags = con.execute(
        f"""SELECT {name_conflict_sql("a", "b", cfg.name_similarity)} AS names,
                   coalesce(a.phone_normalized <> b.phone_normalized, false) AS phones
            FROM _scored s JOIN match_records a ON a.rid = s.l JOIN match_records b ON b.rid = s.r ORDER BY s.i"""
    ).fetchnumpy()
    con.unregister("_scored")
    return flags["names"].astype(bool), flags["phones"].astype(bool)


def _in_key_order(records: pd.DataFrame) -> bool:
    """Whether the records come sorted by their key (the warehouse's read sorts them in SQL: a
    second sort of two million string keys in pandas costs three seconds)."""
    system, rid = (records[c].to_numpy(dtype=object) for c in RECORD_KEY)
    if records[RECORD_KEY].isna().any(axis=None):
        return False
    same = system[1:] == system[:-1]
    return bool(((system[1:] > system[:-1]) | (same & (rid[1:] > rid[:-1]))).all())


def resolve_frame(
    records: pd.DataFrame, previous: pd.DataFrame | None, cfg: RuleConfig, overrides: pd.DataFrame | None = None,
    splink_api=None, stored: StoredModel | None = None,
) -> Resolution:
    """Pure resolution: identity map, changelog and pair audit from records, the previous map and overrides.
    splink's pass runs on `splink_api` when given (a splink database API, e.g. Spark's). With `stored`,
    it scores with that retraining day's model, trained on the records landed by then if the file
    does not exist yet; without, it trains on all records."""
    records = (records.reset_index(drop=True) if _in_key_order(records)
               else records.sort_values(RECORD_KEY, ignore_index=True))
    n = len(records)
    frame = matching_frame(records, cfg)
    systems = pd.Categorical(frame["source_system"], categories=sorted(set(SYSTEMS) | set(frame["source_system"])))
    system_codes = np.asarray(systems.codes, dtype=np.int64)
    always, never = _override_pairs(records, overrides)
    rule_order = [ALWAYS, *cfg.rules, PROBABILISTIC]

    con = connect(cfg.duckdb)
    try:
        load_table(con, "match_records", frame)
        det = rule_pairs(con, cfg)
        det["match_probability"] = 1.0
        det["match_weight"] = np.nan
        det = pd.concat([always.assign(rule=ALWAYS, name_conflict=False, phone_conflict=False, match_probability=1.0,
                                       match_weight=np.nan), det], ignore_index=True)
        det = det.astype({"name_conflict": bool, "phone_conflict": bool})
        det["priority"] = det["rule"].map({r: i for i, r in enumerate(rule_order)})
        det = det.sort_values(["priority", "l", "r"], ignore_index=True)
        det["guarded"] = det["rule"].isin(NAME_GUARDED_RULES)
        links = det[~det["name_conflict"] & ~det["phone_conflict"]]
        det_labels, _ = constrained_clusters(system_codes, links, never, cfg.max_records_per_system, frame,
                                             cfg.name_similarity, cfg.duckdb)

        scored = NO_PAIRS.copy()
        skipped_blocks: list[str] = []
        model_day = None
        if cfg.probabilistic.enabled and n >= cfg.probabilistic.min_records:
            model = stored.load() if stored else None
            training = stored.learns_from(records["first_landed_date"]) if stored and model is None else None
            if training is not None and training.sum() < cfg.probabilistic.min_records:
                # Too little history by the retraining day: each night learns from what there is
                # until a retraining day has enough.
                stored, training = None, None
            scored, skipped_blocks, used = score_pairs(con, frame, det_labels, cfg.probabilistic, splink_api, model,
                                                       training)
            if stored and used is not None:
                model_day = stored.training_day
                if model is None:
                    stored.save(used)
        scored = scored.astype({"l": np.int64, "r": np.int64})
        scored["rule"] = PROBABILISTIC
        scored["priority"] = len(rule_order) - 1
        scored["name_conflict"], scored["phone_conflict"] = _guard_flags(con, scored, cfg)
        scored["guarded"] = True
    finally:
        con.close()
    scored = scored.sort_values(["match_probability", "l", "r"], ascending=[False, True, True], ignore_index=True)

    candidates = pd.concat([det, scored], ignore_index=True)
    linkable = (~candidates["name_conflict"] & ~candidates["phone_conflict"]
                & (candidates["match_probability"] >= cfg.probabilistic.threshold)).to_numpy()
    labels, link_decision = constrained_clusters(
        system_codes, candidates[linkable], never, cfg.max_records_per_system, frame, cfg.name_similarity,
        cfg.duckdb,
    )
    decision = np.select([candidates["name_conflict"], candidates["phone_conflict"]],
                         ["name_conflict", "phone_conflict"], "below_threshold").astype(object)
    decision[linkable] = link_decision
    candidates["decision"] = decision

    # Each record's match_rule: the first rule (in priority order) of an accepted link touching it.
    accepted = candidates[candidates["decision"] == "match"]
    ends = pd.DataFrame({
        "rid": np.r_[accepted["l"].to_numpy(), accepted["r"].to_numpy()],
        "priority": np.r_[accepted["priority"].to_numpy(), accepted["priority"].to_numpy()],
        "p": np.r_[accepted["match_probability"].to_numpy(), accepted["match_probability"].to_numpy()],
    }).sort_values(["rid", "priority", "p"], ascending=[True, True, False]).drop_duplicates("rid")
    first = np.full(n, len(rule_order), dtype=np.int64)
    prob = np.ones(n)
    first[ends["rid"].to_numpy()] = ends["priority"].to_numpy()
    prob[ends["rid"].to_numpy()] = ends["p"].to_numpy()
    names = np.array(rule_order + [UNIQUE], dtype=object)

    customer_ids, changelog = assign_ids(records, labels, previous, cfg.duckdb)
    resolved = pd.DataFrame(
        {
            "source_system": records["source_system"],
            "source_record_id": records["source_record_id"],
            "customer_id": customer_ids,
            "match_rule": names[first],
            "match_probability": prob,
        }
    )
    key = records["source_system"].to_numpy(), records["source_record_id"].to_numpy()
    li, ri = candidates["l"].to_numpy(np.int64), candidates["r"].to_numpy(np.int64)
    pairs = pd.DataFrame(
        {
            "left_source_system": key[0][li],
            "left_source_record_id": key[1][li],
            "right_source_system": key[0][ri],
            "right_source_record_id": key[1][ri],
            "match_rule": candidates["rule"].to_numpy(),
            "match_probability": candidates["match_probability"].astype(float).to_numpy(),
            "match_weight": candidates["match_weight"].astype(float).to_numpy(),
            "decision": candidates["decision"].to_numpy(),
        }
    )
    return Resolution(resolved, labels, changelog, pairs, skipped_blocks, model_day)


# The identity tables' columns, declared: a night with no person-records yet gives empty frames,
# whose untyped columns DuckDB would store as INTEGER, and the next night's ids could then not be
# compared with them.
RESOLVED_COLUMNS = {"source_system": "VARCHAR", "source_record_id": "VARCHAR", "customer_id": "VARCHAR",
                    "match_rule": "VARCHAR", "match_probability": "DOUBLE"}
PAIRS_COLUMNS = {"left_source_system": "VARCHAR", "left_source_record_id": "VARCHAR",
                 "right_source_system": "VARCHAR", "right_source_record_id": "VARCHAR", "match_rule": "VARCHAR",
                 "match_probability": "DOUBLE", "match_weight": "DOUBLE", "decision": "VARCHAR", "run_date": "DATE"}
CHANGELOG_COLUMNS = {"old_customer_id": "VARCHAR", "new_customer_id": "VARCHAR", "reason": "VARCHAR",
                     "run_date": "DATE", "records_moved": "BIGINT"}


def _replace_table(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str], select: str,
                   params: list | None = None) -> None:
    """`table` emptied and declared with `columns`, then filled by `select` (its columns in that order)."""
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(ddl(table, columns))
    con.execute(f"INSERT INTO {table} {select}", params)


def resolve(
    con: duckdb.DuckDBPyConnection, cfg: RuleConfig, run_date: dt.date, models_dir: Path | None = None
) -> ResolutionStats:
    """Resolves the warehouse's person-records as of `run_date`; with `models_dir`, splink's model
    is kept there per retraining day (ml/identity/model_store.py)."""
    records = con.execute(
        f"SELECT {', '.join(RECORD_COLUMNS)} FROM {RECORDS_RELATION} ORDER BY {', '.join(RECORD_KEY)}"
    ).df()
    previous = con.execute(f"SELECT * FROM {RESOLVED_TABLE}").df() if relation_exists(con, RESOLVED_TABLE) else None
    overrides = (
        con.execute(f"SELECT {', '.join(OVERRIDE_COLUMNS)} FROM {OVERRIDES_RELATION}").df()
        if relation_exists(con, OVERRIDES_RELATION)
        else None
    )
    stored = stored_model(models_dir, cfg.probabilistic, run_date) if models_dir else None
    result = resolve_frame(records, previous, cfg, overrides, stored=stored)
    resolved, changelog, pairs = result.resolved, result.changelog, result.pairs
    changelog.insert(3, "run_date", run_date)

    con.execute("CREATE SCHEMA IF NOT EXISTS identity")
    con.execute(ddl(CHANGELOG_TABLE, CHANGELOG_COLUMNS))
    with transaction(con, _resolved=resolved, _changelog=changelog, _pairs=pairs):
        _replace_table(con, RESOLVED_TABLE, RESOLVED_COLUMNS,
                       f"SELECT {', '.join(RESOLVED_COLUMNS)} FROM _resolved ORDER BY {', '.join(RECORD_KEY)}")
        pair_columns = [c for c in PAIRS_COLUMNS if c != "run_date"]
        _replace_table(con, PAIRS_TABLE, PAIRS_COLUMNS,
                       f"SELECT {', '.join(pair_columns)}, ? FROM _pairs ORDER BY left_source_system, "
                       "left_source_record_id, right_source_system, right_source_record_id, match_rule",
                       [run_date])
        # A re-run of a day finds the ids already changed (nothing new to log): keep what the
        # first run logged and add only entries not logged yet.
        con.execute(f"INSERT INTO {CHANGELOG_TABLE} SELECT * FROM _changelog EXCEPT SELECT * FROM {CHANGELOG_TABLE}")
    return resolution_stats(result)


def resolution_stats(result: Resolution) -> ResolutionStats:
    resolved, changelog, pairs = result.resolved, result.changelog, result.pairs
    # Counted by cluster number: grouping the customer id strings took 15 s at L.
    sizes = np.bincount(result.clusters)
    sizes = sizes[sizes > 0]
    size_values, size_counts = np.unique(sizes, return_counts=True)
    return ResolutionStats(
        records=len(resolved),
        customers=int(sizes.size),
        records_by_rule={k: int(v) for k, v in resolved["match_rule"].value_counts().sort_index().items()},
        largest_cluster=int(sizes.max()) if sizes.size else 0,
        cluster_size_counts=dict(zip(size_values.tolist(), size_counts.tolist())),
        merges=int((changelog["reason"] == "merge").sum()),
        splits=int((changelog["reason"] == "split").sum()),
        pairs_by_decision={k: int(v) for k, v in pairs["decision"].value_counts().sort_index().items()},
        skipped_blocking_rules=result.skipped_blocking_rules,
        model_training_day=result.model_training_day,
    )
