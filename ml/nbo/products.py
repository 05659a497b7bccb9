"""Product mode: which products to recommend when the company has no offer catalog.

Two signals per customer and product, from the purchases known on the day within the
look-back window: the customer's own purchase frequency of the product (repurchase), and
item co-occurrence affinity (customers who bought what this customer bought also bought it,
cosine-normalised so best-sellers do not win by volume alone). Both are matrices of
customers x products, so a million customers and a few hundred products stay vectorised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse


def purchase_matrix(purchases: pd.DataFrame, customers: np.ndarray, products: np.ndarray) -> sparse.csr_matrix:
    """Orders per customer x product (distinct orders, so a line of 3 units counts once)."""
    c = pd.Index(customers).get_indexer(purchases["customer_id"])
    p = pd.Index(products).get_indexer(purchases["product_id"])
    ok = (c >= 0) & (p >= 0)
    pairs = pd.DataFrame({"c": c[ok], "p": p[ok], "o": purchases["order_id"].to_numpy()[ok]}).drop_duplicates()
    counts = pairs.groupby(["c", "p"]).size()
    rows, cols = counts.index.get_level_values(0), counts.index.get_level_values(1)
    return sparse.csr_matrix((counts.to_numpy(dtype=float), (rows, cols)), shape=(len(customers), len(products)))


def cooccurrence(bought: sparse.csr_matrix) -> np.ndarray:
    """Product x product cosine similarity of the sets of customers who bought them (diagonal 0)."""
    binary = (bought > 0).astype(np.float64)
    both = (binary.T @ binary).toarray()
    norm = np.sqrt(np.diag(both))
    sim = both / np.maximum(np.outer(norm, norm), 1e-12)
    np.fill_diagonal(sim, 0.0)
    return sim


def scores(bought: sparse.csr_matrix, sim: np.ndarray, allow_repurchase: bool) -> dict[str, np.ndarray]:
    """Per customer x product: own frequency (share of the customer's orders), affinity, blend.

    The blend adds the two (each in [0, 1]) and a popularity prior small enough only to break
    ties for customers with no history; without repurchase, products already bought score -inf.
    """
    binary = (bought > 0).astype(np.float64)
    orders = np.asarray(bought.sum(axis=1)).ravel()
    frequency = (bought.multiply(1.0 / np.maximum(orders, 1)[:, None])).toarray()
    affinity = np.asarray(binary @ sim)
    affinity = affinity / np.maximum(np.asarray(binary.sum(axis=1)), 1.0)
    popularity = np.asarray(binary.sum(axis=0)).ravel()
    prior = 1e-3 * popularity / max(popularity.max(), 1.0)
    blend = affinity + prior[None, :]
    if allow_repurchase:
        blend = blend + frequency
    else:
        blend = np.where(binary.toarray() > 0, -np.inf, blend)
    return {"frequency": frequency, "affinity": affinity, "blend": blend}


def top_k(matrix: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k largest values per row, best first (ties: lower index first)."""
    k = min(k, matrix.shape[1])
    order = np.argsort(-matrix, axis=1, kind="stable")
    return order[:, :k]
