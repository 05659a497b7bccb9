"""Next-best-offer quality against baselines and the generator's ground truth, and ranking at scale.

    python -m benchmarks.nbo [--data-dir data] [--eval-days 91] [--rank-rows 1000000]

Needs a warehouse built by the pipeline (`make demo`) and the generator's ground truth.

Off-policy (real responses): the randomised exposures made after day T = last day - eval-days
(the generator draws a share of its exposures uniformly among the valid offers, as an explore
group would). Each policy picks one offer per exposure from the offers our rules allow that
day, with what the pipeline knew that day (the week's model, acceptances known so far); the
inverse-propensity estimate of its acceptance rate and value per exposure comes with a 95 %
interval. Policies: ours (rank 1 by expected value), random eligible, most popular (the offer
accepted most often so far), and the ground-truth best (highest true acceptance x value).

Ground truth (no sampling noise): on the last day, for every contactable treatment customer,
the true expected value (acceptance probability from offer_affinity.parquet x value) of the offer
each policy ranks first, against the best eligible offer's.

Product mode: products recommended as of T against the purchases of the 30 days after T, as
precision@K, recall@K and hit rate@K, with top-sellers and personal-frequency baselines.
Scale: the last day's candidate customers resampled to --rank-rows, ranked over the catalog.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from benchmarks.churn import person_of_customer
from config.settings import offer_rules
from ml.nbo import products as product_mode
from ml.nbo.evaluate import ips, mean_with_ci, ranking_metrics
from ml.nbo.groups import TREATMENT, assign, unit_hash
from ml.nbo.propensity import category_share
from ml.nbo.rank import rank
from ml.nbo.rules import NboRules, eligible_pairs, not_contactable_reason, valid_offers
from ml.nbo.run import CATALOG, CHURN_SCORES, CONTEXT, EXAMPLES, PURCHASES, Models, catalog_as_of, customers_as_of

NEXT_PERIOD_DAYS = 30
POLICIES = ("ours", "random eligible", "most popular", "ground-truth best")


def choices(pairs: pd.DataFrame, key: str, rules: NboRules, day: dt.date, popular: dict[str, int]) -> pd.DataFrame:
    """Per `key` (one decision), the offer each policy picks among the eligible pairs."""
    pairs = pairs.copy()
    pairs["assignment_group"] = TREATMENT
    pairs["customer_id"] = pairs[key]
    ours = rank(pairs, rules, day)
    ours = ours[ours["rank"] == 1].set_index("customer_id")["offer_id"]
    draw = unit_hash((pairs[key] + ":" + pairs["offer_id"]).to_numpy(dtype=str), "benchmark")
    random_pick = pairs.assign(_d=draw).sort_values([key, "_d"]).groupby(key)["offer_id"].first()
    pop = pairs.assign(_p=pairs["offer_id"].map(popular).fillna(0)).sort_values([key, "_p", "offer_id"],
                                                                                  ascending=[True, False, True])
    popular_pick = pop.groupby(key)["offer_id"].first()
    truth = pairs.assign(_ev=pairs["true_p"] * pairs["offer_value"]).sort_values([key, "_ev"], ascending=[True, False])
    best = truth.groupby(key)["offer_id"].first()
    return pd.DataFrame(
        {"ours": ours, "random eligible": random_pick, "most popular": popular_pick, "ground-truth best": best}
    )


def with_truth(pairs: pd.DataFrame, persons: pd.DataFrame, affinity: pd.DataFrame) -> pd.DataFrame:
    pairs = pairs.merge(persons, on="customer_id", how="left")
    return pairs.merge(affinity, on=["person_id", "offer_id"], how="left").rename(
        columns={"accept_probability": "true_p"}
    )


def popularity(con, day: dt.date) -> dict[str, int]:
    """Acceptances per offer among the exposures whose outcome was known by `day`."""
    rows = con.execute(
        f"SELECT offer_id, sum(accepted::INT) FROM {EXAMPLES} WHERE label_known_date <= ? GROUP BY 1", [day]
    ).fetchall()
    return dict(rows)


def off_policy(con, rules: NboRules, since: dt.date, models: Models, persons, affinity) -> dict:
    """IPS estimates on the random exposures after `since`, each decided with the model (and
    popularity) the pipeline had on the exposure's day."""
    rows = con.execute(
        f"""
        SELECT e.exposure_id, e.offer_id AS logged_offer, e.accepted, e.exposed_date, c.*,
               s.risk_band, {", ".join(f"e.{c}" for c in ("tenure_days", "days_since_last_engagement", "orders_90d",
               "revenue_90d", "email_clicks_30d", "web_visits_30d", "engagement_score", "engagement_trend",
               "experience_score", "cancel_signals_30d", "tickets_opened_30d", "current_mrr", "annual_value"))}
        FROM {EXAMPLES} e
        JOIN {CONTEXT} c ON c.customer_id = e.customer_id AND c.as_of_date = e.features_date
        LEFT JOIN {CHURN_SCORES} s ON s.customer_id = e.customer_id AND s.as_of_date = e.features_date
        WHERE e.exposure_policy = 'random' AND e.exposed_date > ?
        ORDER BY e.exposure_id
        """,
        [since],
    ).df()
    all_catalog = con.execute(f"SELECT offer_id, offer_type, offer_value, valid_from, valid_to FROM {CATALOG}").df()
    value = dict(zip(all_catalog["offer_id"], all_catalog["offer_value"], strict=True))
    picked, n_valid = [], {}
    for day, group in rows.groupby("exposed_date"):
        day = pd.Timestamp(day).date()
        catalog = catalog_as_of(con, day)
        # the logging policy drew uniformly among the offers valid on the exposure day
        n_valid[day] = len(valid_offers(all_catalog, day))
        pairs = eligible_pairs(group.reset_index(drop=True), valid_offers(catalog, day), rules)
        pairs["category_share"] = category_share(pairs)
        pairs["viewed_share"] = category_share(pairs, "viewed_")
        pairs["score"] = models.for_day(day, catalog).predict(pairs)
        pairs = with_truth(pairs, persons, affinity)
        picked.append(choices(pairs, "exposure_id", rules, day, popularity(con, day)))
    picked = pd.concat(picked)
    logged = rows.set_index("exposure_id")
    propensity = 1.0 / logged["exposed_date"].map(lambda d: n_valid[pd.Timestamp(d).date()]).to_numpy(dtype=float)
    reward_value = logged["accepted"].astype(float) * logged["logged_offer"].map(value)
    out = {"random_exposures": len(rows)}
    for policy in POLICIES:
        match = (picked[policy].reindex(logged.index) == logged["logged_offer"]).to_numpy()
        out[policy] = {
            "acceptance": ips(match, logged["accepted"].to_numpy(dtype=float), propensity).as_dict(),
            "value": ips(match, reward_value.to_numpy(), propensity).as_dict(),
        }
    out["logged random (all valid offers)"] = {
        "acceptance": mean_with_ci(logged["accepted"].to_numpy(dtype=float)).as_dict(),
        "value": mean_with_ci(reward_value.to_numpy()).as_dict(),
    }
    return out


def ground_truth_value(con, rules: NboRules, day: dt.date, models: Models, persons, affinity, popular) -> dict:
    """True expected value of each policy's first offer, per contactable customer, on `day`."""
    customers = customers_as_of(con, day)
    ok = (not_contactable_reason(customers, rules.contact_policy) == "").to_numpy()
    catalog = catalog_as_of(con, day)
    pairs = eligible_pairs(customers[ok].reset_index(drop=True), valid_offers(catalog, day), rules)
    pairs["category_share"] = category_share(pairs)
    pairs["viewed_share"] = category_share(pairs, "viewed_")
    pairs["score"] = models.for_day(day, catalog).predict(pairs)
    pairs = with_truth(pairs, persons, affinity).dropna(subset=["true_p"])
    picked = choices(pairs, "customer_id", rules, day, popular)
    true_ev = pairs.set_index(["customer_id", "offer_id"])["true_p"] * pairs.set_index(["customer_id", "offer_id"])[
        "offer_value"
    ]
    out = {"customers": len(picked)}
    for policy in POLICIES:
        idx = pd.MultiIndex.from_arrays([picked.index, picked[policy]])
        out[policy] = round(float(true_ev.reindex(idx).mean()), 4)
    out["ours / best"] = round(out["ours"] / out["ground-truth best"], 4)
    return out


def product_quality(con, rules: NboRules, as_of: dt.date, k: int) -> dict:
    start = as_of - dt.timedelta(days=rules.products.lookback_days)
    before = con.execute(
        f"SELECT customer_id, order_id, product_id FROM {PURCHASES} WHERE known_date <= ? AND order_date > ?",
        [as_of, start],
    ).df()
    after = con.execute(
        f"SELECT customer_id, order_id, product_id FROM {PURCHASES} WHERE order_date > ? AND order_date <= ?",
        [as_of, as_of + dt.timedelta(days=NEXT_PERIOD_DAYS)],
    ).df()
    items = np.array(sorted(set(before["product_id"]) | set(after["product_id"])))
    ids = np.array(sorted(set(before["customer_id"]) | set(after["customer_id"])))
    bought = product_mode.purchase_matrix(before, ids, items)
    actual = product_mode.purchase_matrix(after, ids, items)
    s = product_mode.scores(bought, product_mode.cooccurrence(bought), rules.products.allow_repurchase)
    top_sellers = np.asarray((bought > 0).sum(axis=0)).ravel()
    baselines = {
        "ours (frequency + co-occurrence)": s["blend"],
        "top sellers": np.tile(top_sellers, (len(ids), 1)).astype(float),
        "personal frequency": s["frequency"] + 1e-6 * top_sellers / max(top_sellers.max(), 1),
    }
    return {name: ranking_metrics(product_mode.top_k(m, k), actual) for name, m in baselines.items()} | {
        "customers": len(ids),
        "products": len(items),
        "k": k,
    }


def ranking_at_scale(con, rules: NboRules, day: dt.date, models: Models, n: int) -> dict:
    customers = customers_as_of(con, day)
    customers = customers.sample(n=n, replace=True, random_state=0).reset_index(drop=True)
    customers["customer_id"] = [f"S{i:08d}" for i in range(n)]
    catalog = catalog_as_of(con, day)
    model = models.for_day(day, catalog)
    t = time.perf_counter()
    customers["assignment_group"] = assign(customers["customer_id"], rules.groups.salt, rules.groups.holdout_share,
                                           rules.groups.explore_share)
    ok = (not_contactable_reason(customers, rules.contact_policy) == "").to_numpy()
    pairs = eligible_pairs(customers[ok].reset_index(drop=True), valid_offers(catalog, day), rules)
    pairs["category_share"] = category_share(pairs)
    pairs["viewed_share"] = category_share(pairs, "viewed_")
    pairs["score"] = model.predict(pairs)
    out = rank(pairs, rules, day)
    seconds = time.perf_counter() - t
    return {
        "customers": n,
        "contactable": int(ok.sum()),
        "offers_in_catalog": len(valid_offers(catalog, day)),
        "candidate_pairs": len(pairs),
        "rows_out": len(out),
        "seconds": round(seconds, 1),
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.nbo", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, default=Path("data"))
    ap.add_argument("--eval-days", type=int, default=91)
    ap.add_argument("--rank-rows", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    rules = NboRules.from_dict(offer_rules())
    truth = args.data_dir / "ground_truth"
    con = duckdb.connect(str(args.data_dir / "warehouse.duckdb"), read_only=True)
    con.execute("SET memory_limit='8GB'; SET threads=2")
    last = con.execute(f"SELECT max(as_of_date) FROM {CONTEXT}").fetchall()[0][0]
    as_of = last - dt.timedelta(days=args.eval_days)
    models = Models(con, rules)
    persons = person_of_customer(con, truth)
    affinity = pd.read_parquet(truth / "offer_affinity.parquet")

    def say(msg):
        print(msg, file=sys.stderr, flush=True)

    say(f"off-policy evaluation: random exposures after {as_of}, each with the model of its day")
    ope = off_policy(con, rules, as_of, models, persons, affinity)
    say(f"ground-truth expected value on {last}")
    gt = ground_truth_value(con, rules, last, models, persons, affinity, popularity(con, last))
    gt["model"] = models.for_day(last, catalog_as_of(con, last))
    say(f"product mode as of {as_of}")
    prod = product_quality(con, rules, as_of, rules.top_k)
    say(f"ranking {args.rank_rows:,} customers")
    scale = ranking_at_scale(con, rules, last, models, args.rank_rows)
    report(ope, gt, prod, scale, as_of, last)


def report(ope: dict, gt: dict, prod: dict, scale: dict, as_of: dt.date, last: dt.date) -> None:
    print(f"\n## Off-policy, {ope['random_exposures']} random exposures after {as_of}\n")
    print("| policy | acceptance rate (95 % CI) | value per exposure (95 % CI) | matched exposures |")
    print("|---|---|---|---|")
    for policy in (*POLICIES, "logged random (all valid offers)"):
        a, v = ope[policy]["acceptance"], ope[policy]["value"]
        print(f"| {policy} | {a['value']:.3f} ({a['ci95'][0]:.3f}–{a['ci95'][1]:.3f}) | "
              f"{v['value']:.2f} ({v['ci95'][0]:.2f}–{v['ci95'][1]:.2f}) | {a['matched']} |")
    print(f"\n## Ground-truth expected value per customer of the first offer, {last} ({gt['customers']} customers)\n")
    print("| policy | true expected value |")
    print("|---|---|")
    for policy in POLICIES:
        print(f"| {policy} | {gt[policy]:.3f} |")
    print(f"\nours / ground-truth best = {gt['ours / best']:.3f}; model {gt['model'].kind}: {gt['model'].metrics}")
    print(f"\n## Product mode as of {as_of}: next purchases, K = {prod['k']} ({prod['customers']} customers)\n")
    print("| recommender | precision@K | recall@K | hit rate@K | customers who bought |")
    print("|---|---|---|---|---|")
    for name, m in prod.items():
        if isinstance(m, dict):
            print(f"| {name} | {m['precision_at_k']:.3f} | {m['recall_at_k']:.3f} | {m['hit_rate_at_k']:.3f} | "
                  f"{m['customers']} |")
    print(f"\n## Ranking at scale\n\n{scale}")


if __name__ == "__main__":
    main()
