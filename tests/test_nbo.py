"""Next best offer without Dagster: every rule on a planted case, groups, ranking, evaluation, product mode."""

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from config.settings import offer_rules
from ml.nbo import products as product_mode
from ml.nbo.evaluate import ips, mean_with_ci, ranking_metrics
from ml.nbo.groups import EXPLORE, HOLDOUT, TREATMENT, assign
from ml.nbo.propensity import PropensityModel
from ml.nbo.rank import rank
from ml.nbo.rules import NboRules, eligible_pairs, not_contactable_reason, valid_offers
from ml.nbo.run import OFFERS_TABLE, Models, run_day

DAY = dt.date(2026, 3, 2)
RULES = NboRules.from_dict(offer_rules())

CATALOG = pd.DataFrame(
    [
        ("OFF-01", "Premium upgrade", "digital", "upsell", 60.0, None, None),
        ("OFF-02", "Plus upgrade", "digital", "upsell", 30.0, None, None),
        ("OFF-04", "Protein bundle", "nutrition", "cross_sell", 25.0, None, None),
        ("OFF-05", "Running apparel", "apparel", "cross_sell", 20.0, None, None),
        ("OFF-08", "Stay with us", "digital", "retention", 40.0, None, None),
        ("OFF-10", "Come back", None, "reactivation", 30.0, None, None),
        ("OFF-13", "Spring sale", "equipment", "cross_sell", 30.0, dt.date(2026, 3, 10), dt.date(2026, 4, 30)),
    ],
    columns=["offer_id", "offer_name", "product_category", "offer_type", "offer_value", "valid_from", "valid_to"],
)


def customer(customer_id: str, **overrides) -> dict:
    row = {
        "as_of_date": DAY,
        "customer_id": customer_id,
        "is_subscriber": False,
        "plan": None,
        "country": "DE",
        "marketing_opt_in": True,
        "unsubscribed": False,
        "days_since_last_purchase": 10.0,
        "offers_shown_in_period": 0,
        "declined_offer_ids": "",
        "top_category": None,
        "top_category_share": 0.0,
        "second_category": None,
        "second_category_share": 0.0,
        "top_viewed_category": None,
        "top_viewed_category_share": 0.0,
        "second_viewed_category": None,
        "second_viewed_category_share": 0.0,
        "risk_band": None,
        "assignment_group": TREATMENT,
    }
    return row | overrides


def offered(customers: list[dict], rules: NboRules = RULES) -> dict[str, set[str]]:
    """Customer -> the offers the rules allow (contact policy, validity, eligibility)."""
    context = pd.DataFrame(customers)
    allowed = context[(not_contactable_reason(context, rules.contact_policy) == "").to_numpy()].reset_index(drop=True)
    pairs = eligible_pairs(allowed, valid_offers(CATALOG, DAY), rules)
    out = {c["customer_id"]: set() for c in customers}
    for cid, oid in zip(pairs["customer_id"], pairs["offer_id"], strict=True):
        out[cid].add(oid)
    return out


def test_contact_policy_keeps_out_opted_out_unsubscribed_and_capped_customers():
    cap = RULES.contact_policy.max_offers_per_period
    got = offered(
        [
            customer("ok"),
            customer("no-opt-in", marketing_opt_in=False),
            customer("unknown-opt-in", marketing_opt_in=None),
            customer("unsubscribed", unsubscribed=True),
            customer("at-cap", offers_shown_in_period=cap),
            customer("below-cap", offers_shown_in_period=cap - 1),
        ]
    )
    assert got["ok"] and got["below-cap"]
    assert not got["no-opt-in"] and not got["unknown-opt-in"] and not got["unsubscribed"] and not got["at-cap"]


def test_eligibility_rules_each_hold_on_a_planted_customer():
    got = offered(
        [
            customer("basic", is_subscriber=True, plan="basic", risk_band="low"),
            customer("plus", is_subscriber=True, plan="plus", risk_band="low"),
            customer("premium-at-risk", is_subscriber=True, plan="premium", risk_band="high"),
            customer("lapsed", days_since_last_purchase=75.0),
            customer("never-bought", days_since_last_purchase=np.nan),
            customer("declined-protein", declined_offer_ids="OFF-02,OFF-04"),
        ]
    )
    # upgrades only to a higher plan than the customer's own
    assert {"OFF-01", "OFF-02"} <= got["basic"]
    assert "OFF-01" in got["plus"] and "OFF-02" not in got["plus"]
    assert not {"OFF-01", "OFF-02"} & got["premium-at-risk"]
    # retention only to subscribers at medium or high churn risk
    assert "OFF-08" in got["premium-at-risk"] and "OFF-08" not in got["basic"]
    # reactivation only to lapsed buyers (or customers who never bought)
    assert "OFF-10" in got["lapsed"] and "OFF-10" in got["never-bought"] and "OFF-10" not in got["basic"]
    # a declined offer is not made again within the cool-down; the others still are
    assert "OFF-04" not in got["declined-protein"] and "OFF-05" in got["declined-protein"]
    # validity window: the spring sale starts after the day
    assert not any("OFF-13" in offers for offers in got.values())


def test_rules_file_is_validated():
    with pytest.raises(ValueError, match="unknown conditions"):
        NboRules.from_dict({"eligibility": {"by_offer_id": {"OFF-01": {"plan": ["basic"]}}}})
    with pytest.raises(ValueError, match="group shares"):
        NboRules.from_dict({"groups": {"holdout_share": 0.6, "explore_share": 0.5}})


def test_groups_are_stable_balanced_and_redrawn_by_a_new_salt():
    ids = pd.Series([f"C{i:07d}" for i in range(20_000)])
    first = assign(ids, "salt-a", 0.10, 0.05)
    again = assign(ids[::-1].reset_index(drop=True), "salt-a", 0.10, 0.05)[::-1]
    assert (first == again).all()
    shares = {g: (first == g).mean() for g in (HOLDOUT, EXPLORE, TREATMENT)}
    # binomial standard error at n=20000 is ~0.002: 4 sigma bounds
    assert abs(shares[HOLDOUT] - 0.10) < 0.009 and abs(shares[EXPLORE] - 0.05) < 0.007
    other = assign(ids, "salt-b", 0.10, 0.05)
    assert 0.7 < (first == other).mean() < 0.95  # a new draw, not the same one


def _scored_pairs(customers: list[dict], scores: dict[str, float]) -> pd.DataFrame:
    context = pd.DataFrame(customers)
    pairs = eligible_pairs(context, valid_offers(CATALOG, DAY), RULES)
    pairs["category_share"] = np.where(pairs["product_category"] == pairs["top_category"], 0.6, 0.0)
    pairs["viewed_share"] = 0.0
    pairs["score"] = pairs["offer_id"].map(scores).fillna(0.01)
    return pairs


def test_ranking_is_by_expected_value_with_retention_first_for_high_risk():
    scores = {"OFF-04": 0.30, "OFF-05": 0.20, "OFF-01": 0.10, "OFF-08": 0.05}
    pairs = _scored_pairs(
        [
            customer("a", is_subscriber=True, plan="plus", risk_band="low", top_category="nutrition"),
            customer("b", is_subscriber=True, plan="plus", risk_band="high"),
        ],
        scores,
    )
    out = rank(pairs, RULES, DAY)
    a = out[out["customer_id"] == "a"].sort_values("rank")
    # 0.30 x 25 = 7.5 beats 0.10 x 60 = 6.0 beats 0.20 x 20 = 4.0, although P(accept) orders them otherwise
    assert list(a["offer_id"]) == ["OFF-04", "OFF-01", "OFF-05"]
    assert a["expected_value"].tolist() == pytest.approx([7.5, 6.0, 4.0])
    assert a["reason"].iloc[0].startswith("60% of their spend is on nutrition; 30% likely to accept")
    b = out[out["customer_id"] == "b"].sort_values("rank")
    assert b["offer_id"].iloc[0] == "OFF-08" and b["reason"].iloc[0].startswith("Retention first")
    assert len(a) == len(b) == RULES.top_k


def test_explore_customers_get_one_random_eligible_offer_the_same_on_a_rerun():
    customers = [customer(f"x{i}", assignment_group=EXPLORE) for i in range(200)]
    pairs = _scored_pairs(customers, {"OFF-04": 0.9})
    first, again = rank(pairs, RULES, DAY), rank(pairs.sample(frac=1, random_state=1), RULES, DAY)
    assert (first.groupby("customer_id").size() == 1).all()
    pd.testing.assert_frame_equal(
        first.sort_values("customer_id").reset_index(drop=True), again.sort_values("customer_id").reset_index(drop=True)
    )
    # not the model's favourite every time: about half each of the two eligible cross-sells
    assert set(first["offer_id"]) == {"OFF-04", "OFF-05"} and 0.35 < (first["offer_id"] == "OFF-04").mean() < 0.65


def test_ips_recovers_a_known_policy_value():
    rng = np.random.default_rng(0)
    n, arms = 40_000, np.array([0.05, 0.10, 0.30, 0.15])
    logged = rng.integers(0, 4, n)  # uniform logging policy, propensity 1/4
    reward = rng.random(n) < arms[logged]
    estimate = ips(logged == 2, reward, np.full(n, 0.25))
    assert estimate.low < 0.30 < estimate.high and estimate.high - estimate.low < 0.03
    assert estimate.matched == int((logged == 2).sum())
    random_policy = mean_with_ci(reward)
    assert random_policy.low < arms.mean() < random_policy.high
    with pytest.raises(ValueError):
        ips(logged == 2, reward, np.zeros(n))


def test_ranking_metrics_on_a_hand_worked_case():
    recommended = np.array([[0, 1], [2, 3], [0, 3]])
    actual = sparse.csr_matrix(np.array([[1, 0, 1, 0], [0, 0, 0, 0], [0, 0, 0, 1]]))
    m = ranking_metrics(recommended, actual)
    # customer 1 bought nothing and is left out; customer 0: 1 hit of 2 bought; customer 2: 1 hit of 1
    assert m["customers"] == 2
    assert m["precision_at_k"] == pytest.approx((0.5 + 0.5) / 2)
    assert m["recall_at_k"] == pytest.approx((0.5 + 1.0) / 2)
    assert m["hit_rate_at_k"] == pytest.approx(1.0)


def test_product_scores_repurchase_and_cooccurrence():
    purchases = pd.DataFrame(
        [
            # many customers buy protein (P1) with shakers (P2); nobody buys mats (P3) with them
            *[(f"c{i}", f"o{i}a", "P1") for i in range(20)],
            *[(f"c{i}", f"o{i}b", "P2") for i in range(20)],
            *[(f"m{i}", f"m{i}", "P3") for i in range(5)],
            # the customer under test bought protein twice, nothing else
            ("me", "x1", "P1"),
            ("me", "x2", "P1"),
        ],
        columns=["customer_id", "order_id", "product_id"],
    )
    ids = np.array(sorted(purchases["customer_id"].unique()))
    items = np.array(["P1", "P2", "P3"])
    bought = product_mode.purchase_matrix(purchases, ids, items)
    sim = product_mode.cooccurrence(bought)
    me = list(ids).index("me")
    again = product_mode.top_k(product_mode.scores(bought, sim, True)["blend"], 2)[me]
    new_only = product_mode.top_k(product_mode.scores(bought, sim, False)["blend"], 1)[me]
    assert list(items[again]) == ["P1", "P2"]  # buys it again first, then what goes with it
    assert list(items[new_only]) == ["P2"]


def _with_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame]) -> duckdb.DuckDBPyConnection:
    """The pipeline's schemas, and each frame as the table `schema.name`."""
    for schema in ("features", "staging", "marts"):
        con.execute(f"CREATE SCHEMA {schema}")
    for table, frame in tables.items():
        con.register("frame", frame)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame")
        con.unregister("frame")
    return con


def _warehouse_without_catalog(path) -> duckdb.DuckDBPyConnection:
    """The feature tables product mode reads, for a company with sales orders only."""
    con = duckdb.connect(str(path))
    context = pd.DataFrame([customer(f"C{i}") for i in range(6)] + [customer("C-out", marketing_opt_in=False)])
    purchases = pd.DataFrame(
        [(f"C{i}", f"O{i}{p}", p, DAY - dt.timedelta(days=5), DAY - dt.timedelta(days=4)) for i in range(6) for p in
         (["P1", "P2"] if i < 4 else ["P3"])] + [("C0", "O-late", "P3", DAY, DAY + dt.timedelta(days=1))],
        columns=["customer_id", "order_id", "product_id", "order_date", "known_date"],
    )
    products = pd.DataFrame(
        {"product_id": ["P1", "P2", "P3"], "product_name": ["Whey", "Shaker", "Mat"], "list_price": [50.0, 10.0, 45.0]}
    )
    return _with_tables(con, {
        "features.offer_customer_context": context,
        "features.customer_product_purchases": purchases,
        "staging.stg_sales__products": products,
    })


def test_product_mode_with_sales_orders_only(tmp_path):
    con = _warehouse_without_catalog(tmp_path / "w.duckdb")
    rules = NboRules.from_dict(offer_rules() | {"top_k": 2, "groups": {"holdout_share": 0.0, "explore_share": 0.0}})
    outcome = run_day(con, rules, DAY, Models(con, rules))
    out = con.execute(f"SELECT * FROM {OFFERS_TABLE} ORDER BY customer_id, rank").df()
    assert outcome.mode == "products"
    assert set(out["customer_id"]) == {f"C{i}" for i in range(6)}  # not the opted-out one
    c0 = out[out["customer_id"] == "C0"]
    # the order that landed after the day is not known yet: C0 has bought P1 and P2 only
    assert list(c0["offer_id"]) == ["P1", "P2"] and c0["reason"].str.contains("Buys it again").all()
    assert (out.groupby("customer_id").size() <= 2).all()
    # re-running the day replaces its rows with the same ones
    run_day(con, rules, DAY, Models(con, rules))
    pd.testing.assert_frame_equal(out, con.execute(f"SELECT * FROM {OFFERS_TABLE} ORDER BY customer_id, rank").df())


def test_propensity_falls_back_to_smoothed_offer_rates_without_enough_history():
    from ml.nbo.propensity import train

    examples = pd.DataFrame(
        {
            "exposure_id": [f"E{i}" for i in range(40)],
            "offer_id": ["OFF-04"] * 20 + ["OFF-05"] * 20,
            "accepted": [True] * 10 + [False] * 10 + [False] * 20,
            "exposed_date": [DAY] * 40,
            "plan": [None] * 40,
        }
    )
    model = train(examples, CATALOG, RULES.model)
    assert model.kind == "rates" and "needs" in model.metrics["why_rates"]
    p = model.predict(pd.DataFrame({"offer_id": ["OFF-04", "OFF-05", "OFF-01"]}))
    # (10 + 0.1 x 10) / (20 + 10), (0 + 1) / 30, and the prior for an offer never shown
    assert p == pytest.approx([11 / 30, 1 / 30, 0.1])
    assert isinstance(model, PropensityModel)


def test_output_table_is_documented_with_the_columns_it_is_created_with():
    import yaml

    from config.settings import DBT_PROJECT_DIR
    from ml.nbo.run import OFFERS_COLUMNS

    doc = yaml.safe_load((DBT_PROJECT_DIR / "models" / "marts" / "_nbo__sources.yml").read_text())
    table = doc["sources"][0]["tables"][0]
    assert {c["name"]: c["data_type"].upper() for c in table["columns"]} == OFFERS_COLUMNS


def _learnable_examples(rng: np.random.Generator, n: int = 6000) -> pd.DataFrame:
    """Cross-sell exposures whose acceptance grows with the share of the offer's category."""
    from ml.nbo.propensity import CUSTOMER_FEATURES

    offers = CATALOG[CATALOG["offer_type"] == "cross_sell"].reset_index(drop=True)
    pick = rng.integers(0, len(offers), n)
    share = rng.random(n)
    examples = pd.DataFrame({c: rng.random(n) for c in CUSTOMER_FEATURES})
    examples = examples.assign(
        exposure_id=[f"E{i:05d}" for i in range(n)],
        exposed_date=pd.to_datetime(DAY) + pd.to_timedelta(rng.integers(0, 60, n), unit="D"),
        plan=None,
        offer_id=offers["offer_id"].to_numpy()[pick],
        offer_type="cross_sell",
        offer_value=offers["offer_value"].to_numpy()[pick],
        product_category=offers["product_category"].to_numpy()[pick],
        top_category=offers["product_category"].to_numpy()[pick],  # the offer's own category …
        top_category_share=share,  # … with a share that drives acceptance
        second_category=None,
        second_category_share=0.0,
        top_viewed_category=None,
        top_viewed_category_share=0.0,
        second_viewed_category=None,
        second_viewed_category_share=0.0,
    )
    examples["accepted"] = rng.random(n) < 0.02 + 0.3 * share
    return examples


def test_a_model_is_served_only_when_it_predicts_acceptance_better_than_the_offer_rates():
    from ml.nbo.propensity import train

    rng = np.random.default_rng(3)
    examples = _learnable_examples(rng)
    model = train(examples, CATALOG, RULES.model)
    assert model.kind in ("logistic_regression", "gradient_boosting")
    assert model.metrics[f"{model.kind}_holdout_auc"] > model.metrics["offer_rates_holdout_auc"] + 0.1
    # noise alone: nothing beats the offers' own rates, which are then served
    examples["accepted"] = rng.random(len(examples)) < 0.1
    assert train(examples, CATALOG, RULES.model).kind == "rates"


def test_customers_with_no_eligible_offer_get_none_from_a_fitted_model():
    from ml.nbo.propensity import train
    from ml.nbo.run import rank_customers

    model = train(_learnable_examples(np.random.default_rng(3)), CATALOG, RULES.model)
    assert model.model is not None
    # a batch (or day) in which nobody may be contacted: no pairs to score
    customers = pd.DataFrame([customer("C1", marketing_opt_in=False), customer("C2", unsubscribed=True)])
    frame, stats = rank_customers(customers, valid_offers(CATALOG, DAY), model, RULES, DAY)
    assert frame.empty and stats["contactable"] == 0 and stats["eligible_pairs"] == 0


def test_a_fitted_model_scores_pairs_in_chunks_as_all_at_once(monkeypatch):
    from ml.nbo import propensity

    examples = _learnable_examples(np.random.default_rng(4))
    model = propensity.train(examples, CATALOG, RULES.model)
    assert model.model is not None
    at_once = model.model.predict_proba(propensity.design_matrix(examples, model))[:, 1]
    monkeypatch.setattr(propensity, "PREDICT_ROWS", 1000)  # six chunks, the last one short
    np.testing.assert_array_equal(model.predict(examples), at_once)


def _rates_examples(n: int, last_day: dt.date) -> pd.DataFrame:
    """n exposures of OFF-04, one a day up to last_day, each labelled a week later; every third accepted."""
    exposed = [last_day - dt.timedelta(days=i) for i in range(n)]
    return pd.DataFrame({
        "exposure_id": [f"E{i:04d}" for i in range(n)],
        "offer_id": "OFF-04",
        "accepted": [i % 3 == 0 for i in range(n)],
        "exposed_date": exposed,
        "label_known_date": [d + dt.timedelta(days=7) for d in exposed],
        "plan": None,
    })


def test_a_stored_propensity_model_serves_exactly_the_data_it_was_trained_on(tmp_path):
    from ml.nbo.run import with_offer_columns
    from ml.nbo.store import load_or_train

    examples = with_offer_columns(_rates_examples(40, DAY), CATALOG)
    first = load_or_train(examples, CATALOG, RULES.model, tmp_path)
    stored = list((tmp_path / "nbo").iterdir())
    assert [p.name for p in stored] == [f"{first.version}.joblib"]
    written = stored[0].stat().st_mtime_ns
    again = load_or_train(examples.sample(frac=1, random_state=1), CATALOG, RULES.model, tmp_path)
    assert again.version == first.version and again.rates == first.rates
    assert stored[0].stat().st_mtime_ns == written  # read, not trained again
    # one label changed: another model, trained and stored beside the first
    flipped = (examples["exposure_id"] == "E0001").to_numpy()
    changed = examples.assign(accepted=examples["accepted"].to_numpy() ^ flipped)
    other = load_or_train(changed, CATALOG, RULES.model, tmp_path)
    assert other.version != first.version and other.rates != first.rates
    assert len(list((tmp_path / "nbo").iterdir())) == 2


def test_the_propensity_model_learns_from_the_training_window_only():
    from dataclasses import replace

    con = duckdb.connect()
    con.execute("CREATE SCHEMA features")
    con.register("frame", _rates_examples(400, DAY))
    con.execute("CREATE TABLE features.offer_exposure_examples AS SELECT * FROM frame")
    monday = DAY + dt.timedelta(days=7)  # DAY is a Monday, the retraining weekday
    for window, labelled in ((30, 30 - 7), (0, 400)):  # labels of the last week are not known yet
        rules = replace(RULES, model=replace(RULES.model, training_window_days=window))
        assert Models(con, rules).for_day(monday, CATALOG).metrics["examples"] == labelled


def _catalog_warehouse(customers: int) -> duckdb.DuckDBPyConnection:
    """The tables catalog mode reads, for `customers` customers of assorted plans, risks and histories."""
    from ml.nbo.propensity import CUSTOMER_FEATURES

    rng = np.random.default_rng(5)
    ids = [f"C{i:05d}" for i in range(customers)]
    context = pd.DataFrame([
        customer(
            cid,
            is_subscriber=bool(plan),
            plan=plan,
            marketing_opt_in=bool(rng.random() < 0.9),
            offers_shown_in_period=int(rng.integers(0, 4)),
            declined_offer_ids=str(rng.choice(["", "OFF-04", "OFF-01,OFF-05"])),
            top_category=str(rng.choice(["nutrition", "apparel", "digital"])),
            top_category_share=float(rng.random()),
        )
        for cid, plan in zip(ids, rng.choice([None, "plus", "basic"], customers), strict=True)
    ]).drop(columns=["risk_band", "assignment_group"])
    in_context = {"is_subscriber", "offers_shown_in_period", "days_since_last_purchase"}
    features = pd.DataFrame(
        {"as_of_date": DAY, "customer_id": ids}
        | {c: rng.random(customers) * 100 for c in CUSTOMER_FEATURES if c not in in_context}
    )
    scores = pd.DataFrame({"as_of_date": DAY, "customer_id": ids, "risk_band": rng.choice(["low", "high"], customers)})
    catalog = CATALOG.assign(first_landed_date=DAY - dt.timedelta(days=30))
    return _with_tables(duckdb.connect(), {
        "features.offer_customer_context": context,
        "features.churn_features": features,
        "marts.churn_scores": scores,
        "staging.stg_marketing__offers": catalog,
    })


def test_ranking_the_customers_in_batches_gives_the_rows_of_ranking_them_at_once(monkeypatch):
    import ml.nbo.run

    con = _catalog_warehouse(5000)
    runs = {}
    for vectors in (1, 1000):  # three batches of up to 2,048 customers, then one
        monkeypatch.setattr(ml.nbo.run, "RANK_BATCH_VECTORS", vectors)
        outcome = run_day(con, RULES, DAY, Models(con, RULES))
        runs[vectors] = outcome.stats, con.execute(f"SELECT * FROM {OFFERS_TABLE} ORDER BY customer_id, rank").df()
    (batched, rows), (at_once, expected) = runs[1], runs[1000]
    assert outcome.mode == "catalog" and batched == at_once
    assert batched["customers"] == 5000 and 0 < batched["contactable"] < 5000
    assert batched["customers_with_offers"] == rows["customer_id"].nunique() > 2048
    pd.testing.assert_frame_equal(rows, expected)
