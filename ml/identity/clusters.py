"""Clusters from candidate links, under the over-merge guards.

Links are taken in priority order (steward's always-match, then the deterministic rules
in their configured order, then probabilistic links by falling probability). A link is
refused when the cluster it would make holds a never-match pair or more than
`max_records_per_system` records of one system: those links go to review instead of
silently chaining strangers together. Components that break no guard are accepted
whole (same result as the greedy pass, which only runs on the few that do).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(left.size, dtype=np.int8), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def constrained_clusters(
    systems: np.ndarray,
    links: pd.DataFrame,
    never: pd.DataFrame,
    max_per_system: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(cluster label per record, decision per link: match | never_match | review_cardinality).

    `systems`: integer system code per record; `links`: l, r in priority order; `never`: l, r.
    """
    n = systems.size
    left, right = links["l"].to_numpy(np.int64), links["r"].to_numpy(np.int64)
    decision = np.full(left.size, "match", dtype=object)
    comp = components(n, left, right)

    n_sys = int(systems.max()) + 1 if n else 1
    per_system = np.zeros((comp.max() + 1 if n else 1, n_sys), dtype=np.int64)
    np.add.at(per_system, (comp, systems), 1)
    bad = per_system.max(axis=1) > max_per_system
    never_l, never_r = never["l"].to_numpy(np.int64), never["r"].to_numpy(np.int64)
    bad[comp[never_l][comp[never_l] == comp[never_r]]] = True
    if bad.any():
        _greedy(systems, left, right, decision, np.flatnonzero(bad[comp[left]]), never_l, never_r, max_per_system,
                n_sys)
    ok = decision == "match"
    return components(n, left[ok], right[ok]), decision


def _greedy(systems, left, right, decision, link_idx, never_l, never_r, max_per_system, n_sys) -> None:
    parent: dict[int, int] = {}
    counts: dict[int, np.ndarray] = {}
    # never-match pair k puts ("L", k) on one record and ("R", k) on the other; two clusters
    # conflict when one holds ("L", k) and the other ("R", k).
    marks: dict[int, set] = {}
    for k, (a, b) in enumerate(zip(never_l.tolist(), never_r.tolist())):
        marks.setdefault(a, set()).add((0, k))
        marks.setdefault(b, set()).add((1, k))

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def count(root: int) -> np.ndarray:
        if root not in counts:
            c = np.zeros(n_sys, dtype=np.int64)
            c[systems[root]] = 1
            counts[root] = c
        return counts[root]

    for i in link_idx.tolist():
        a, b = find(int(left[i])), find(int(right[i]))
        if a == b:
            continue
        ma, mb = marks.get(a, set()), marks.get(b, set())
        if any((1 - side, k) in mb for side, k in ma):
            decision[i] = "never_match"
            continue
        merged = count(a) + count(b)
        if merged.max() > max_per_system:
            decision[i] = "review_cardinality"
            continue
        parent[b] = a
        counts[a] = merged
        if mb:
            marks[a] = ma | mb
