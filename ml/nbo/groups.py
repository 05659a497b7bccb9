"""Persistent holdout / explore / treatment groups from a hash of the customer id.

The draw depends only on the salt and the id, so a customer stays in their group across
days, runs and machines (md5 is available in every SQL engine, should a BI user want to
recompute it).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

HOLDOUT, EXPLORE, TREATMENT = "holdout", "explore", "treatment"


def unit_hash(values, salt: str) -> np.ndarray:
    """A number in [0, 1) per value, uniform and stable: the first 8 bytes of md5(salt:value)."""
    out = np.empty(len(values), dtype=np.float64)
    for i, value in enumerate(values):
        digest = hashlib.md5(f"{salt}:{value}".encode()).digest()
        out[i] = int.from_bytes(digest[:8], "big") / 2**64
    return out


def assign(customer_ids: pd.Series, salt: str, holdout_share: float, explore_share: float) -> np.ndarray:
    u = unit_hash(customer_ids.to_numpy(dtype=str), salt)
    return np.where(u < holdout_share, HOLDOUT, np.where(u < holdout_share + explore_share, EXPLORE, TREATMENT))
