"""Clusters from candidate links, under the over-merge guards.

Links are taken in priority order (steward's always-match, then the deterministic rules
in their configured order, then probabilistic links by falling probability). A link is
refused when the cluster it would make holds a never-match pair or more than
`max_records_per_system` records of one system, or when a name-guarded link (e-mail,
phone, probabilistic) would bring two people's names into one cluster — a record without a
first name must not bridge two people who share an inbox. Refused links go to review instead
of silently chaining strangers together. Components that break no guard are accepted
whole (same result as the greedy pass, which only runs on the few that do).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ml.identity.duck import DuckLimits, connect


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(left.size, dtype=np.int8), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _name_conflicts(comp: np.ndarray, names: pd.DataFrame, threshold: float, limits: DuckLimits | None
                    ) -> tuple[np.ndarray, set]:
    """(components holding two people's names, the set of conflicting (kind, name, name) in them)."""
    from ml.identity.rules import names_differ_sql

    frame = pd.DataFrame({"comp": comp, "first": names["first_name_key"].to_numpy(),
                          "last": names["last_name_key"].to_numpy()})
    with connect(limits) as con:
        con.register("names", frame)
        rows = con.execute(
            f"""WITH n AS (
                    SELECT DISTINCT comp, 'first' AS kind, "first" AS name FROM names WHERE "first" IS NOT NULL
                    UNION SELECT DISTINCT comp, 'last', "last" FROM names WHERE "last" IS NOT NULL
                ),
                multi AS (SELECT comp, kind FROM n GROUP BY ALL HAVING count(*) > 1)
                SELECT a.comp, a.kind, a.name, b.name
                FROM n a JOIN multi USING (comp, kind) JOIN n b ON a.comp = b.comp AND a.kind = b.kind
                WHERE a.name < b.name AND {names_differ_sql("a.name", "b.name", threshold)}"""
        ).fetchall()
    comps = np.array(sorted({r[0] for r in rows}), dtype=np.int64)
    pairs = {(k, x, y) for _, k, x, y in rows} | {(k, y, x) for _, k, x, y in rows}
    return comps, pairs


def constrained_clusters(
    systems: np.ndarray,
    links: pd.DataFrame,
    never: pd.DataFrame,
    max_per_system: int,
    names: pd.DataFrame | None = None,
    name_similarity: float = 0.85,
    limits: DuckLimits | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(cluster label per record, decision per link: match | never_match | review_cardinality | name_conflict).

    `systems`: integer system code per record; `links`: l, r (and `guarded`: the name guard
    applies) in priority order; `never`: l, r; `names`: first_name_key, last_name_key per record.
    """
    n = systems.size
    left, right = links["l"].to_numpy(np.int64), links["r"].to_numpy(np.int64)
    guarded = links["guarded"].to_numpy(bool) if "guarded" in links else np.zeros(left.size, bool)
    decision = np.full(left.size, "match", dtype=object)
    comp = components(n, left, right)

    n_sys = int(systems.max()) + 1 if n else 1
    per_system = np.zeros((comp.max() + 1 if n else 1, n_sys), dtype=np.int64)
    np.add.at(per_system, (comp, systems), 1)
    bad = per_system.max(axis=1) > max_per_system
    never_l, never_r = never["l"].to_numpy(np.int64), never["r"].to_numpy(np.int64)
    bad[comp[never_l][comp[never_l] == comp[never_r]]] = True
    conflicts: set = set()
    if names is not None and n:
        name_comps, conflicts = _name_conflicts(comp, names, name_similarity, limits)
        bad[name_comps] = True
    if bad.any():
        first = names["first_name_key"].to_numpy(object) if names is not None else np.full(n, None, object)
        last = names["last_name_key"].to_numpy(object) if names is not None else np.full(n, None, object)
        _greedy(systems, left, right, guarded, decision, np.flatnonzero(bad[comp[left]]), never_l, never_r,
                max_per_system, n_sys, first, last, conflicts)
    ok = decision == "match"
    return components(n, left[ok], right[ok]), decision


def _greedy(systems, left, right, guarded, decision, link_idx, never_l, never_r, max_per_system, n_sys, first, last,
            conflicts) -> None:
    parent: dict[int, int] = {}
    counts: dict[int, np.ndarray] = {}
    # never-match pair k puts ("L", k) on one record and ("R", k) on the other; two clusters
    # conflict when one holds ("L", k) and the other ("R", k).
    marks: dict[int, set] = {}
    for k, (a, b) in enumerate(zip(never_l.tolist(), never_r.tolist())):
        marks.setdefault(a, set()).add((0, k))
        marks.setdefault(b, set()).add((1, k))
    names: dict[int, set] = {}

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

    def name_set(root: int) -> set:
        if root not in names:
            names[root] = {("first", first[root]), ("last", last[root])} - {("first", None), ("last", None)}
        return names[root]

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
        na, nb = name_set(a), name_set(b)
        if guarded[i] and conflicts and any((k, x, y) in conflicts for k, x in na for kk, y in nb if k == kk):
            decision[i] = "name_conflict"
            continue
        parent[b] = a
        counts[a] = merged
        names[a] = na | nb
        if mb:
            marks[a] = ma | mb
