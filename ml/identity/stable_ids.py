"""Stable customer ids across runs, with a changelog of merges and splits.

A cluster keeps the id its records had before. When clusters merge, the id first
assigned earliest survives and the others are logged as `merge`; when a previous
customer splits, the part holding most of its records keeps the id and the other parts
get new ids, logged as `split`. New ids derive from the cluster's anchor record (its
earliest landed record), so a fresh run over the same data gives the same ids.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

RECORD_KEY = ["source_system", "source_record_id"]


def _new_id(anchor: str, taken: set[str]) -> str:
    salt = 0
    while True:
        digest = hashlib.md5(f"{anchor}#{salt}".encode() if salt else anchor.encode()).hexdigest()
        candidate = "C" + digest[:12].upper()
        if candidate not in taken:
            return candidate
        salt += 1


def assign_ids(
    records: pd.DataFrame, labels: np.ndarray, previous: pd.DataFrame | None
) -> tuple[pd.Series, pd.DataFrame]:
    """customer_id per record (aligned with `records`) and the changelog rows of this run.

    `records` needs source_system, source_record_id, first_landed_date; `previous` is the
    last run's resolved_identities (source_system, source_record_id, customer_id) or None.
    """
    df = records[RECORD_KEY + ["first_landed_date"]].copy()
    df["cluster"] = labels
    df["record_key"] = df["source_system"] + ":" + df["source_record_id"]
    if previous is not None and len(previous):
        df = df.merge(
            previous[RECORD_KEY + ["customer_id"]].rename(columns={"customer_id": "prev_id"}),
            on=RECORD_KEY,
            how="left",
        )
    else:
        df["prev_id"] = pd.NA
    # The order in which ids were first handed out: the earliest landed record of each previous id.
    prev_age = df.dropna(subset=["prev_id"]).groupby("prev_id")["first_landed_date"].min()

    # The smallest record key of each (previous id, cluster) by sorting: a groupby min over
    # strings runs in Python, one call per group.
    known = df.dropna(subset=["prev_id"]).sort_values("record_key")
    counts = (
        known.groupby(["prev_id", "cluster"], as_index=False, sort=False)
        .agg(n=("record_key", "size"), anchor=("record_key", "first"))
        .sort_values(["prev_id", "n", "anchor"], ascending=[True, False, True])
    )
    heirs = counts.drop_duplicates("prev_id")  # the cluster that inherits each previous id
    heirs = heirs.assign(age=heirs["prev_id"].map(prev_age)).sort_values(["cluster", "age", "prev_id"])
    keeper = heirs.drop_duplicates("cluster").set_index("cluster")["prev_id"]

    anchors = df.sort_values(["first_landed_date", "record_key"]).drop_duplicates("cluster").set_index("cluster")
    taken = set(prev_age.index)
    cluster_id: dict[int, str] = keeper.to_dict()
    for cluster in anchors.index.difference(keeper.index):
        new = _new_id(anchors.at[cluster, "record_key"], taken)
        taken.add(new)
        cluster_id[cluster] = new
    df["customer_id"] = df["cluster"].map(cluster_id)

    moved = df.dropna(subset=["prev_id"])
    moved = moved[moved["prev_id"] != moved["customer_id"]]
    changes = moved.groupby(["prev_id", "customer_id"], as_index=False).agg(records_moved=("record_key", "size"))
    survived = changes["prev_id"].isin(set(df["customer_id"]))
    changes["reason"] = np.where(survived, "split", "merge")
    changelog = changes.rename(columns={"prev_id": "old_customer_id", "customer_id": "new_customer_id"})
    return df["customer_id"].reset_index(drop=True), changelog[
        ["old_customer_id", "new_customer_id", "reason", "records_moved"]
    ]
