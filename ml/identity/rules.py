"""Deterministic matching: records sharing a normalised identifier are the same person.

Rules are applied in the configured order; a record's `match_rule` is the first rule
that links it to another record (`unique` when nothing does). Blocked values
(placeholder e-mails, dummy phones) never link anything, and neither does a value shared
by more than `max_group_size` records (an unlisted shared inbox). E-mail and phone links
need compatible names (first and last; see names_differ_sql): a household shares an inbox
or a landline, not a person (the name guard; CRM references are explicit links and skip it).
An e-mail link (or a probabilistic one) whose two records carry different phones is refused
(the phone guard, decision `phone_conflict`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from ml.identity.duck import DuckLimits

# Rule name → column of int_identity_records that must be equal.
RULE_COLUMNS = {"crm_reference": "crm_reference", "email": "email_normalized", "phone": "phone_normalized"}
NAME_GUARDED_RULES = frozenset({"email", "phone"})
# Columns the matching reads; a frame without the optional ones (tests, other sources) gets NULLs.
MATCH_COLUMNS = ["first_name_key", "last_name_key", "email_user", "postal_code"]


@dataclass(frozen=True)
class ProbabilisticConfig:
    enabled: bool = True
    threshold: float = 0.99  # a pair at or above links (see docs/architecture.md for how it was chosen)
    review_floor: float = 0.5  # pairs between this and the threshold are kept in the audit table
    min_records: int = 200  # too few records to train a model on: the rules alone decide
    seed: int = 42
    retrain_weekday: int = 0  # the model is trained on this weekday (0 = Monday) and kept for the week
    u_max_pairs: float = 2e6
    em_max_pairs: float = 1e6
    # Ceiling on the pairs the prediction blocking rules may generate (counted before predict;
    # a rule that would cross it is skipped and reported, rather than exhausting the machine).
    max_comparisons: float = 3e7

    @classmethod
    def from_dict(cls, cfg: dict | None) -> ProbabilisticConfig:
        return cls(**(cfg or {}))


@dataclass(frozen=True)
class RuleConfig:
    rules: tuple[str, ...]
    blocked_emails: tuple[str, ...]  # prefixes of the local part, e.g. "info@"
    blocked_phones: tuple[str, ...]
    # Two first names closer than this (Jaro-Winkler) are the same name with a typo.
    name_similarity: float = 0.85
    max_group_size: int = 20
    max_records_per_system: int = 3
    max_cluster_records: int = 12
    probabilistic: ProbabilisticConfig = field(default_factory=lambda: ProbabilisticConfig(enabled=False))
    duckdb: DuckLimits = field(default_factory=DuckLimits)

    def rules_only(self) -> RuleConfig:
        """The same configuration without the probabilistic pass (for comparisons)."""
        return dataclasses.replace(self, probabilistic=dataclasses.replace(self.probabilistic, enabled=False))

    @classmethod
    def from_dict(cls, cfg: dict) -> RuleConfig:
        unknown = set(cfg["rules"]) - set(RULE_COLUMNS)
        if unknown:
            raise ValueError(f"unknown identity rules {sorted(unknown)}; known: {sorted(RULE_COLUMNS)}")
        guards = cfg.get("guards", {})
        return cls(
            tuple(cfg["rules"]),
            tuple(cfg.get("blocked_emails", ())),
            tuple(cfg.get("blocked_phones", ())),
            name_similarity=float(guards.get("name_similarity", 0.85)),
            max_group_size=int(guards.get("max_group_size", 20)),
            max_records_per_system=int(guards.get("max_records_per_system", 3)),
            max_cluster_records=int(guards.get("max_cluster_records", 12)),
            probabilistic=ProbabilisticConfig.from_dict(cfg.get("probabilistic")),
            duckdb=DuckLimits.from_dict(cfg.get("duckdb")),
        )


def usable_values(records: pd.DataFrame, rule: str, cfg: RuleConfig) -> pd.Series:
    """The rule's key per record, NULL where missing or blocked."""
    values = records[RULE_COLUMNS[rule]].astype("string")
    if rule == "email" and cfg.blocked_emails:
        blocked = values.str.startswith(cfg.blocked_emails).fillna(False)
        values = values.mask(blocked)
    if rule == "phone" and cfg.blocked_phones:
        digits = values.str[-7:]
        values = values.mask(digits.isin(cfg.blocked_phones).fillna(False))
    return values


def matching_frame(records: pd.DataFrame, cfg: RuleConfig) -> pd.DataFrame:
    """One row per record (rid = position) with blocked values masked: what every pass compares."""
    out = pd.DataFrame({"rid": np.arange(len(records), dtype=np.int64)})
    out["source_system"] = records["source_system"].to_numpy()
    for rule, column in RULE_COLUMNS.items():
        out[column] = usable_values(records, rule, cfg).to_numpy() if column in records else pd.NA
    for column in MATCH_COLUMNS:
        out[column] = records[column].astype("string").to_numpy() if column in records else pd.NA
    if "email_normalized" in records:
        # A placeholder's local part (info, noreply) must not block or score pairs either.
        blocked = out["email_normalized"].isna().to_numpy() & records["email_normalized"].notna().to_numpy()
        out.loc[blocked, "email_user"] = pd.NA
    return out.astype({c: "string" for c in out.columns if c != "rid"})


def names_differ_sql(a: str, b: str, threshold: float) -> str:
    """SQL: two name keys that cannot be one person's (NULL-safe: a missing name never differs).

    Equal, Jaro-Winkler-close (a typo) or an initial that fits are compatible.
    """
    return (
        f"coalesce({a} <> {b} AND jaro_winkler_similarity({a}, {b}) < {threshold} "
        f"AND NOT ((length({a}) = 1 OR length({b}) = 1) AND left({a}, 1) = left({b}, 1)), false)"
    )


def name_conflict_sql(a: str, b: str, threshold: float) -> str:
    """SQL: records `a` and `b` (aliases) carry names of two different people (first or last)."""
    return (
        f"({names_differ_sql(a + '.first_name_key', b + '.first_name_key', threshold)} "
        f"OR {names_differ_sql(a + '.last_name_key', b + '.last_name_key', threshold)})"
    )


def rule_pairs(con: duckdb.DuckDBPyConnection, cfg: RuleConfig) -> pd.DataFrame:
    """Every pair of records (l < r) sharing a rule's value, with the name guard's verdict.

    `con` holds the matching frame as table `match_records`. Columns: l, r, rule,
    name_conflict, phone_conflict (an e-mail pair whose phones disagree).
    """
    parts = []
    for rule in cfg.rules:
        column = RULE_COLUMNS[rule]
        guard = name_conflict_sql("a", "b", cfg.name_similarity) if rule in NAME_GUARDED_RULES else "false"
        # Two different valid phones say two people: namesakes' addresses collide once gmail dots
        # are dropped (john.smith@ / johnsmith@ of two people, seen at a million persons). Neither
        # this rule nor the model links such a pair; only a steward's always-match does.
        contradiction = (
            "coalesce(a.phone_normalized <> b.phone_normalized, false)" if rule == "email" else "false"
        )
        parts.append(
            f"""
            SELECT a.rid AS l, b.rid AS r, '{rule}' AS rule, {guard} AS name_conflict,
                {contradiction} AS phone_conflict
            FROM match_records a
            JOIN match_records b ON a.{column} = b.{column} AND a.rid < b.rid
            WHERE a.{column} IN (
                SELECT {column} FROM match_records WHERE {column} IS NOT NULL
                GROUP BY 1 HAVING count(*) <= {cfg.max_group_size}
            )"""
        )
    if not parts:
        return pd.DataFrame({"l": [], "r": [], "rule": [], "name_conflict": [], "phone_conflict": []})
    return con.execute(" UNION ALL ".join(parts) + " ORDER BY l, r, rule").df()
