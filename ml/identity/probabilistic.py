"""Second pass: Fellegi-Sunter matching with splink on DuckDB, for what the rules leave.

The model compares first name (nickname-mapped key), last name, e-mail, phone and postal
code, with term-frequency adjustments on names and e-mail (two "smith"s say less than two
"okafor"s). u probabilities come from seeded random sampling, m probabilities from EM on
two blocking passes (same e-mail; same phone), so a re-run on the same records gives the
same model. Prediction only scores pairs whose records the rules put
in different clusters; the pairs the blocking rules generate are counted first and kept under
a ceiling. splink runs in the resolution's capped in-memory DuckDB (ml/identity/duck.py),
beside the records: the warehouse file allows one writer and is held by the caller.
"""

from __future__ import annotations

import logging

import duckdb
import numpy as np
import pandas as pd

from ml.identity.rules import ProbabilisticConfig

log = logging.getLogger(__name__)

# Prediction blocking: each rule is an equi-join plus "not already together".
PREDICT_BLOCKS = [
    ("first_name_key", "last_name_key"),
    ("email_user",),
    ("last_name_key", "postal_code"),
    ("first_name_key", "postal_code"),
]
# EM blocks where true matches dominate, each leaving the other fields free to be estimated.
TRAINING_BLOCKS = [("email_normalized",), ("phone_normalized",)]


def _domain(side: str) -> str:
    """SQL: an address after its local part and '@'. Behind the same local part, domains are as
    many edits apart as the addresses (a common prefix changes no edit distance) and, a fifth as
    long, are five times cheaper to compare: the e-mail block brings millions of such pairs."""
    return f"substr(email_normalized_{side}, length(email_user_{side}) + 2)"


def _email_comparison():
    """Exact (term-frequency adjusted), or the same local part on a domain a typo away (gmial.com).

    A shared local part on an unrelated domain, or a local part one edit away, is no level of
    its own: local parts are built from names, which strangers share.
    """
    import splink.comparison_level_library as cll
    from splink.comparison_library import CustomComparison

    return CustomComparison(
        output_column_name="email_normalized",
        comparison_levels=[
            cll.NullLevel("email_normalized"),
            cll.ExactMatchLevel("email_normalized").configure(tf_adjustment_column="email_normalized"),
            cll.CustomLevel(
                f"email_user_l = email_user_r AND damerau_levenshtein({_domain('l')}, {_domain('r')}) <= 2",
                label_for_charts="Same local part, domain typo",
            ),
            cll.ElseLevel(),
        ],
    )


def _block_sql(cols: tuple[str, ...]) -> str:
    return " AND ".join(f"l.{c} = r.{c}" for c in cols) + " AND l.det_cluster <> r.det_cluster"


def affordable_blocks(con, table: str, limit: float) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], int]:
    """(blocking rules kept, rules skipped, pairs the kept ones can generate at most).

    Counted per rule as the sum of n(n-1)/2 over its key values — an upper bound (it ignores
    the not-already-together filter and overlaps between rules) that costs one GROUP BY.
    """
    kept, skipped, total = [], [], 0
    for cols in PREDICT_BLOCKS:
        not_null = " AND ".join(f"{c} IS NOT NULL" for c in cols)
        pairs = con.execute(
            f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM "
            f"(SELECT count(*) AS n FROM {table} WHERE {not_null} GROUP BY {', '.join(cols)})"
        ).fetchall()[0][0]
        if total + pairs > limit:
            skipped.append(cols)
            log.warning("blocking rule on %s skipped: %d more pairs would pass the ceiling of %d",
                        "+".join(cols), pairs, limit)
            continue
        kept.append(cols)
        total += int(pairs)
    return kept, skipped, total


def _settings(prior: float, blocks: list[tuple[str, ...]]):
    import splink.comparison_library as cl
    from splink import SettingsCreator

    names = [0.92, 0.8]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="rid",
        probability_two_random_records_match=prior,
        comparisons=[
            cl.NameComparison("first_name_key", jaro_winkler_thresholds=names),
            cl.NameComparison("last_name_key", jaro_winkler_thresholds=names),
            _email_comparison(),
            cl.ExactMatch("phone_normalized"),
            cl.ExactMatch("postal_code"),
        ],
        blocking_rules_to_generate_predictions=_prediction_blocks(blocks),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        max_iterations=25,
        em_convergence=1e-4,
    )


def _prediction_blocks(blocks: list[tuple[str, ...]]) -> list[dict]:
    return [{"blocking_rule": _block_sql(cols), "sql_dialect": "duckdb"} for cols in blocks]


MATCH_INPUT = ["rid", "first_name_key", "last_name_key", "email_normalized", "email_user", "phone_normalized",
               "postal_code"]
NO_PAIRS = pd.DataFrame({"l": [], "r": [], "match_probability": [], "match_weight": []})


def train_model(frame: pd.DataFrame, det_cluster: np.ndarray, cfg: ProbabilisticConfig, db_api) -> dict:
    """splink's model (settings with m and u probabilities) trained on `frame`'s records.

    The prior: the pairs the rules found, inflated for what they miss, over all pairs."""
    from splink import Linker, block_on

    df = frame[MATCH_INPUT]
    n, sizes = len(df), np.bincount(det_cluster)
    found = float((sizes * (sizes - 1) / 2).sum())
    prior = min(max(found / 0.9 / (n * (n - 1) / 2), 1e-9), 0.5)
    linker = Linker(db_api.register(df), _settings(prior, []))
    linker.training.estimate_u_using_random_sampling(max_pairs=cfg.u_max_pairs, seed=cfg.seed)
    for cols in TRAINING_BLOCKS:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*cols), max_pairs=cfg.em_max_pairs)
    # The database API caches tables (term frequencies among them) across linkers: those of the
    # training records must not stand in for those of the records to score.
    linker.table_management.invalidate_cache()
    return linker.misc.save_model_to_json()


def score_pairs(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, det_cluster: np.ndarray, cfg: ProbabilisticConfig,
    db_api=None, model: dict | None = None, training: np.ndarray | None = None,
) -> tuple[pd.DataFrame, list[str], dict | None]:
    """Pairs (l < r, rid positions) across deterministic clusters scoring at least cfg.review_floor,
    the blocking rules skipped for the comparison ceiling, and the model that scored them:
    `model` when given, else one trained on the records `training` selects (default all).
    `con` holds `frame` as table match_records (ml/identity/resolve.py) and counts the blocks
    (one GROUP BY per rule); splink runs on `db_api` when given (the Spark engine's,
    spark_engine/identity.py), with the same settings, else on `con`.

    Columns: l, r, match_probability, match_weight.
    """
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.WARNING)
    con.register("_det_clusters", pd.DataFrame({"rid": np.arange(det_cluster.size), "det_cluster": det_cluster}))
    con.execute(
        f"CREATE OR REPLACE TABLE match_input AS SELECT {', '.join(f'r.{c}' for c in MATCH_INPUT)}, d.det_cluster "
        "FROM match_records r JOIN _det_clusters d ON d.rid = r.rid"
    )
    con.unregister("_det_clusters")
    blocks, skipped, _ = affordable_blocks(con, "match_input", cfg.max_comparisons)
    skipped_names = ["+".join(cols) for cols in skipped]
    if not blocks:  # splink would score the full cartesian product
        return NO_PAIRS.copy(), skipped_names, model
    api = db_api or DuckDBAPI(con)
    if model is None:
        part = slice(None) if training is None else training
        model = train_model(frame[part], det_cluster[part], cfg, api)
    # This run's blocking: what the ceiling allows today, whatever the model was trained with.
    settings = model | {"blocking_rules_to_generate_predictions": _prediction_blocks(blocks)}
    # splink reads the table `con` holds; another engine's API gets the records as a frame
    records = "match_input" if db_api is None else frame[MATCH_INPUT].assign(det_cluster=det_cluster)
    pairs = Linker(api.register(records), settings).inference.predict(
        threshold_match_probability=cfg.review_floor
    ).as_pandas_dataframe()
    if pairs.empty:
        return NO_PAIRS.copy(), skipped_names, model
    left = np.minimum(pairs["rid_l"], pairs["rid_r"]).astype(np.int64)
    right = np.maximum(pairs["rid_l"], pairs["rid_r"]).astype(np.int64)
    out = pd.DataFrame(
        {
            "l": left,
            "r": right,
            # Rounded so that sums in a different order on another run cannot move a decision.
            "match_probability": pairs["match_probability"].round(6),
            "match_weight": pairs["match_weight"].round(4),
        }
    )
    # A pair found by several blocking rules is scored once per rule: keep one.
    return out.drop_duplicates(["l", "r"]).sort_values(["l", "r"], ignore_index=True), skipped_names, model
