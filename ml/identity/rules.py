"""Deterministic matching: records sharing a normalised identifier are the same person.

Rules are applied in the configured order; a record's `match_rule` is the first rule
that links it to another record (`unique` when nothing does). Blocked values
(placeholder e-mails, dummy phones) never link anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

# Rule name → column of int_identity_records that must be equal.
RULE_COLUMNS = {"crm_reference": "crm_reference", "email": "email_normalized", "phone": "phone_normalized"}


@dataclass(frozen=True)
class RuleConfig:
    rules: tuple[str, ...]
    blocked_emails: tuple[str, ...]  # prefixes of the local part, e.g. "info@"
    blocked_phones: tuple[str, ...]

    @classmethod
    def from_dict(cls, cfg: dict) -> RuleConfig:
        unknown = set(cfg["rules"]) - set(RULE_COLUMNS)
        if unknown:
            raise ValueError(f"unknown identity rules {sorted(unknown)}; known: {sorted(RULE_COLUMNS)}")
        return cls(tuple(cfg["rules"]), tuple(cfg.get("blocked_emails", ())), tuple(cfg.get("blocked_phones", ())))


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


def match_clusters(records: pd.DataFrame, cfg: RuleConfig) -> tuple[np.ndarray, np.ndarray]:
    """Connected components over all rule links.

    Returns (cluster label per record, index of the first rule linking each record or -1).
    """
    n = len(records)
    sources, targets = [], []
    first_rule = np.full(n, -1, dtype=np.int64)
    for rule_idx, rule in enumerate(cfg.rules):
        values = usable_values(records, rule, cfg)
        present = values.notna().to_numpy()
        idx = np.flatnonzero(present)
        if idx.size == 0:
            continue
        group = pd.factorize(values.to_numpy()[present])[0]
        # Star edges: every record of a group to the group's first record.
        order = np.argsort(group, kind="stable")
        g_sorted = group[order]
        starts = np.r_[0, np.flatnonzero(np.diff(g_sorted)) + 1]
        sizes = np.diff(np.r_[starts, g_sorted.size])
        heads = np.repeat(idx[order][starts], sizes)
        members = idx[order]
        linked = members[np.repeat(sizes, sizes) > 1]
        first_rule[linked[first_rule[linked] < 0]] = rule_idx
        sources.append(heads)
        targets.append(members)
    if sources:
        s, t = np.concatenate(sources), np.concatenate(targets)
    else:
        s = t = np.empty(0, dtype=np.int64)
    graph = coo_matrix((np.ones(s.size, dtype=np.int8), (s, t)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels, first_rule
