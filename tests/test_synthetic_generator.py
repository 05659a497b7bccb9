"""The synthetic generator: determinism, contract conformance, ground truth, late data,
referential integrity and the behaviour signal (churned persons go quiet)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from config.contract import load_contract
from config.settings import REPO_ROOT as ROOT
from synthetic.generate import generate

START = dt.date(2026, 1, 1)
PERSONS, DAYS, SEED = 300, 30, 7
CONTRACT = load_contract()
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FILE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(csv|jsonl|parquet)$")
PARQUET_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
}
IDENTITY_ENTITIES = {
    "marketing": ("contacts", "contact_id"),
    "sales": ("customers", "crm_id"),
    "support": ("requesters", "requester_id"),
    "finance": ("billing_accounts", "account_id"),
}


def _entities():
    for source, sdoc in CONTRACT["sources"].items():
        for entity, edoc in sdoc["entities"].items():
            yield source, entity, edoc


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("synthetic")
    generate(d, PERSONS, DAYS, START, SEED, quiet=True)
    return d


@pytest.fixture(scope="module")
def landing(out) -> dict[tuple[str, str], pd.DataFrame]:
    """Every entity as one frame (strings as read, typed where needed) with the file day `_day`."""
    frames = {}
    for source, entity, edoc in _entities():
        parts = []
        for f in sorted((out / "landing" / source / entity).glob("*")):
            day = dt.date.fromisoformat(f.name.split(".")[0])
            if edoc["format"] == "csv":
                df = pd.read_csv(f, dtype=str, keep_default_na=False, na_values=[""])
            elif edoc["format"] == "jsonl":
                df = pd.read_json(f, lines=True, dtype=False)
            else:
                df = pq.read_table(f).to_pandas()
            df["_day"] = pd.Timestamp(day)
            parts.append(df)
        frames[(source, entity)] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    for (source, entity), df in frames.items():
        for col, cdoc in CONTRACT["sources"][source]["entities"][entity]["columns"].items():
            if cdoc["type"] in ("timestamp", "date") and len(df):
                df[col] = pd.to_datetime(df[col])
    return frames


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# --- determinism -------------------------------------------------------------------------------


def test_same_arguments_give_identical_files(out, tmp_path):
    generate(tmp_path, PERSONS, DAYS, START, SEED, quiet=True)
    first, second = _hashes(out), _hashes(tmp_path)
    assert first.keys() == second.keys()
    assert first == second


def test_other_seed_gives_other_data(out, tmp_path):
    generate(tmp_path, PERSONS, DAYS, START, SEED + 1, quiet=True)
    a, b = _hashes(out), _hashes(tmp_path)
    common = a.keys() & b.keys()
    assert sum(a[k] != b[k] for k in common) > len(common) // 2


# --- contract ----------------------------------------------------------------------------------


def test_every_entity_is_delivered(out):
    for source, entity, _ in _entities():
        assert list((out / "landing" / source / entity).glob("*")), f"{source}.{entity} has no files"


def test_files_follow_the_contract(out):
    last = START + dt.timedelta(days=DAYS - 1)
    sources = {s: set(doc["entities"]) for s, doc in CONTRACT["sources"].items()}
    for f in (out / "landing").rglob("*"):
        if f.is_dir():
            continue
        source, entity = f.parent.parent.name, f.parent.name
        assert entity in sources.get(source, ()), f"unexpected {f}"
        edoc = CONTRACT["sources"][source]["entities"][entity]
        m = FILE_RE.match(f.name)
        assert m and m.group(2) == edoc["format"], f
        assert START <= dt.date.fromisoformat(m.group(1)) <= last, f
        cols = edoc["columns"]
        if edoc["format"] == "parquet":
            schema = pq.read_schema(f)
            assert schema.names == list(cols), f
            for name, cdoc in cols.items():
                assert schema.field(name).type == PARQUET_TYPES[cdoc["type"]], (f, name)
            rows = pq.read_table(f).to_pylist()
        elif edoc["format"] == "csv":
            with open(f, newline="") as fh:
                reader = csv.reader(fh)
                assert next(reader) == list(cols), f
                rows = [dict(zip(cols, _csv_values(r, cols), strict=True)) for r in reader]
        else:
            rows = []
            for line in f.read_text().splitlines():
                rec = json.loads(line)
                assert list(rec) == list(cols), f
                rows.append(rec)
        assert rows, f"empty file {f}"
        for rec in rows:
            for name, cdoc in cols.items():
                _check_value(rec[name], cdoc, edoc["format"], f"{f}:{name}")


def _csv_values(row: list[str], cols: dict) -> list:
    assert len(row) == len(cols)
    return [None if v == "" else v for v in row]


def _check_value(v, cdoc: dict, fmt: str, where: str) -> None:
    if v is None:
        assert not cdoc.get("required"), f"{where} required but null"
        return
    t = cdoc["type"]
    if fmt == "parquet":
        ok = {
            "string": str,
            "integer": int,
            "double": float,
            "boolean": bool,
            "timestamp": dt.datetime,
            "date": dt.date,
        }[t]
        assert isinstance(v, ok), (where, v)
    elif t == "string":
        assert isinstance(v, str), (where, v)
    elif t == "integer":
        assert (isinstance(v, int) and not isinstance(v, bool)) if fmt == "jsonl" else re.fullmatch(r"-?\d+", v), (
            where,
            v,
        )
    elif t == "double":
        assert (isinstance(v, (int, float)) and not isinstance(v, bool)) if fmt == "jsonl" else float(v) == float(v), (
            where,
            v,
        )
    elif t == "boolean":
        assert isinstance(v, bool) if fmt == "jsonl" else v in ("true", "false"), (where, v)
    elif t == "timestamp":
        assert TS_RE.match(v), (where, v)
    elif t == "date":
        assert DATE_RE.match(v), (where, v)
    if "values" in cdoc:
        assert v in cdoc["values"], (where, v)


def test_offers_and_products_arrive_in_full_on_day_one(out):
    offers = sorted((out / "landing" / "marketing" / "offers").glob("*"))
    products = sorted((out / "landing" / "sales" / "products").glob("*"))
    assert [f.name for f in offers] == ["2026-01-01.csv"]
    assert [f.name for f in products] == ["2026-01-01.csv"]
    assert 10 <= len(pd.read_csv(offers[0])) <= 15
    prods = pd.read_csv(products[0])
    assert len(prods) == 30 and prods["category"].nunique() == 6


# --- ground truth ------------------------------------------------------------------------------


def test_ground_truth_covers_every_identity_record(out, landing):
    pm = pq.read_table(out / "ground_truth" / "person_map.parquet").to_pandas()
    assert list(pm.columns) == ["source_system", "source_record_id", "person_id"]
    assert not pm.duplicated(["source_system", "source_record_id"]).any()
    for system, (entity, key) in IDENTITY_ENTITIES.items():
        delivered = set(landing[(system, entity)][key])
        mapped = set(pm.loc[pm["source_system"] == system, "source_record_id"])
        assert delivered == mapped, system
    persons = pq.read_table(out / "ground_truth" / "persons.parquet").to_pandas()
    assert persons["person_id"].is_unique and len(persons) == PERSONS
    assert set(pm["person_id"]) <= set(persons["person_id"])
    for col in (
        "satisfaction",
        "engagement_propensity",
        "value_segment",
        "price_sensitivity",
        "signup_date",
        "churn_date",
    ):
        assert col in persons.columns
    # some persons are known to several systems, some contacts are duplicates of one person
    per_person = pm.groupby("person_id")["source_system"].nunique()
    assert (per_person >= 2).mean() > 0.4
    contacts = pm[pm["source_system"] == "marketing"]
    assert contacts["person_id"].duplicated().any()


def test_offer_affinity_is_complete(out):
    aff = pq.read_table(out / "ground_truth" / "offer_affinity.parquet").to_pandas()
    offers = pd.read_csv(out / "landing" / "marketing" / "offers" / "2026-01-01.csv")
    assert list(aff.columns) == ["person_id", "offer_id", "accept_probability"]
    assert len(aff) == PERSONS * len(offers)
    assert set(aff["offer_id"]) == set(offers["offer_id"])
    assert aff["accept_probability"].between(0, 1).all()
    assert aff["accept_probability"].std() > 0.03


# --- late data ---------------------------------------------------------------------------------

LATE_ENTITIES = {
    ("marketing", "email_events"): "event_at",
    ("marketing", "web_events"): "event_at",
    ("sales", "orders"): "ordered_at",
    ("finance", "payments"): "attempted_at",
}


def test_late_records_land_in_later_files(landing):
    total_late = 0
    for key, col in LATE_ENTITIES.items():
        df = landing[key]
        lag = (df["_day"] - df[col].dt.normalize()).dt.days
        assert (lag >= 0).all(), f"{key}: record lands before it happened"
        assert lag.max() <= 5, key
        total_late += int((lag > 0).sum())
        assert (lag > 0).mean() < 0.06, key
    assert total_late > 0
    # non-event entities land on the day they happen
    tickets = landing[("support", "tickets")]
    assert ((tickets["_day"] - tickets["updated_at"].dt.normalize()).dt.days == 0).all()


def test_order_lines_land_with_their_orders(landing):
    orders = landing[("sales", "orders")][["order_id", "_day"]]
    lines = landing[("sales", "order_lines")]
    merged = lines.merge(orders, on="order_id", how="left", suffixes=("", "_order"))
    assert merged["_day_order"].notna().all()
    assert (merged["_day"] == merged["_day_order"]).all()
    assert orders["order_id"].is_unique


# --- referential integrity ---------------------------------------------------------------------

REFERENCES = [
    # (child entity, child column, parent entity, parent key)
    (("marketing", "contacts"), "crm_id", ("sales", "customers"), "crm_id"),
    (("marketing", "email_events"), "contact_id", ("marketing", "contacts"), "contact_id"),
    (("marketing", "web_events"), "contact_id", ("marketing", "contacts"), "contact_id"),
    (("marketing", "event_registrations"), "contact_id", ("marketing", "contacts"), "contact_id"),
    (("marketing", "offer_exposures"), "contact_id", ("marketing", "contacts"), "contact_id"),
    (("marketing", "offer_exposures"), "offer_id", ("marketing", "offers"), "offer_id"),
    (("sales", "orders"), "crm_id", ("sales", "customers"), "crm_id"),
    (("sales", "order_lines"), "order_id", ("sales", "orders"), "order_id"),
    (("sales", "order_lines"), "product_id", ("sales", "products"), "product_id"),
    (("support", "requesters"), "crm_id", ("sales", "customers"), "crm_id"),
    (("support", "tickets"), "requester_id", ("support", "requesters"), "requester_id"),
    (("support", "surveys"), "requester_id", ("support", "requesters"), "requester_id"),
    (("support", "surveys"), "ticket_id", ("support", "tickets"), "ticket_id"),
    (("finance", "billing_accounts"), "crm_id", ("sales", "customers"), "crm_id"),
    (("finance", "subscriptions"), "account_id", ("finance", "billing_accounts"), "account_id"),
    (("finance", "invoices"), "account_id", ("finance", "billing_accounts"), "account_id"),
    (("finance", "invoices"), "subscription_id", ("finance", "subscriptions"), "subscription_id"),
    (("finance", "payments"), "invoice_id", ("finance", "invoices"), "invoice_id"),
    (("finance", "payments"), "account_id", ("finance", "billing_accounts"), "account_id"),
]


@pytest.mark.parametrize("child,col,parent,key", REFERENCES, ids=lambda x: ".".join(x) if isinstance(x, tuple) else x)
def test_references_point_to_records_delivered_no_later(landing, child, col, parent, key):
    c, p = landing[child], landing[parent]
    first_seen = p.groupby(key)["_day"].min()
    refs = c[c[col].notna()]
    assert len(refs), f"no {child}.{col} references at all"
    seen = refs[col].map(first_seen)
    assert seen.notna().all(), f"{child}.{col}: unknown ids {refs.loc[seen.isna(), col].unique()[:5]}"
    assert (seen <= refs["_day"]).all(), f"{child}.{col} references records delivered later"


def test_payments_match_their_invoice(landing):
    inv = landing[("finance", "invoices")].drop_duplicates("invoice_id").set_index("invoice_id")
    pay = landing[("finance", "payments")]
    assert (pay["account_id"] == pay["invoice_id"].map(inv["account_id"])).all()
    assert (pay["amount"] == pay["invoice_id"].map(inv["amount"].astype(float))).all()
    assert (pay["attempted_at"] >= pay["invoice_id"].map(inv["issued_at"])).all()
    # failed attempts are retried and some payments come after the due date
    assert (pay["status"] == "failed").any()


# --- snapshots and business rules --------------------------------------------------------------


def test_ticket_snapshots(landing):
    t = landing[("support", "tickets")].sort_values(["ticket_id", "_day"])
    assert not t.duplicated(["ticket_id", "_day"]).any()
    first = t.groupby("ticket_id").head(1)
    assert (first["_day"] == first["opened_at"].dt.normalize()).all()
    opened_only = t[t["status"] == "open"]
    assert opened_only["resolved_at"].isna().all()
    solved = t[t["status"].isin(["solved", "closed"])]
    assert solved["resolved_at"].notna().all() and solved["first_response_at"].notna().all()
    assert (solved["resolved_at"] >= solved["first_response_at"]).all()
    assert (solved["first_response_at"] >= solved["opened_at"]).all()
    versions = t.groupby("ticket_id").size()
    assert (versions >= 2).any()
    # a later version never has an older updated_at
    assert (t.groupby("ticket_id")["updated_at"].diff().dropna() > pd.Timedelta(0)).all()


def test_returns_are_negative_orders(landing):
    orders = landing[("sales", "orders")].set_index("order_id")
    lines = landing[("sales", "order_lines")]
    status = lines["order_id"].map(orders["status"])
    ret = lines[status == "returned"]
    assert len(ret) and (ret["quantity"] < 0).all() and (ret["line_amount"] < 0).all()
    sold = lines[status != "returned"]
    assert (sold["quantity"] > 0).all()
    assert (lines["line_amount"].round(2) == (lines["quantity"] * lines["unit_price"]).round(2)).all()
    assert lines.groupby("order_id")["line_number"].apply(lambda s: sorted(s) == list(range(1, len(s) + 1))).all()


def test_subscription_versions(landing):
    subs = landing[("finance", "subscriptions")]
    cancelled = subs[subs["status"] == "cancelled"]
    assert len(cancelled) and cancelled["cancelled_at"].notna().all()
    assert subs.loc[subs["status"] == "active", "cancelled_at"].isna().all()
    assert not subs.duplicated(["subscription_id", "_day"]).any()


def test_surveys_scores_in_range(landing):
    s = landing[("support", "surveys")].copy()
    s["score"] = s["score"].astype(int)
    ranges = {"nps": (0, 10), "csat": (1, 5), "effort": (1, 7)}
    for kind, (lo, hi) in ranges.items():
        scores = s.loc[s["survey_type"] == kind, "score"]
        assert scores.between(lo, hi).all(), kind
    assert s.loc[s["survey_type"] == "nps", "ticket_id"].isna().all()


def test_identity_noise_is_present(landing):
    contacts = landing[("marketing", "contacts")]
    emails = contacts["email"].dropna()
    assert (emails != emails.str.strip().str.lower()).any()
    phones = pd.concat([contacts["phone"], landing[("sales", "customers")]["phone"]]).dropna()
    assert phones.str.contains(r"[().\-+ ]").any() and phones.str.fullmatch(r"\d+").any()
    assert contacts["phone"].isna().any()
    assert contacts["crm_id"].notna().any() and contacts["crm_id"].isna().any()


# --- behaviour signal --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def churn_world(tmp_path_factory):
    d = tmp_path_factory.mktemp("churn")
    generate(d, 1500, 60, START, 11, quiet=True)
    return d


def test_churned_persons_are_less_active_after_churn(churn_world):
    d = churn_world
    pm = pq.read_table(d / "ground_truth" / "person_map.parquet").to_pandas()
    persons = pq.read_table(d / "ground_truth" / "persons.parquet").to_pandas()
    rid = pm.set_index("source_record_id")["person_id"]
    acts = []
    for f in (d / "landing" / "marketing" / "email_events").glob("*.jsonl"):
        e = pd.read_json(f, lines=True, dtype=False)
        e = e[e["event_type"].isin(["open", "click"])]
        acts.append(pd.DataFrame({"person_id": e["contact_id"].map(rid), "ts": pd.to_datetime(e["event_at"])}))
    for f in (d / "landing" / "marketing" / "web_events").glob("*.parquet"):
        w = pq.read_table(f).to_pandas()
        acts.append(pd.DataFrame({"person_id": w["contact_id"].map(rid), "ts": w["event_at"]}))
    for f in (d / "landing" / "sales" / "orders").glob("*.parquet"):
        o = pq.read_table(f).to_pandas()
        acts.append(pd.DataFrame({"person_id": o["crm_id"].map(rid), "ts": o["ordered_at"]}))
    act = pd.concat(acts)
    end = pd.Timestamp(START + dt.timedelta(days=60))
    churners = persons.dropna(subset=["churn_date"]).copy()
    churners["churn"] = pd.to_datetime(churners["churn_date"])
    churners = churners[
        (churners["churn"] > pd.Timestamp(START) + pd.Timedelta(days=10))
        & (churners["churn"] < end - pd.Timedelta(days=10))
    ]
    assert len(churners) >= 10
    a = act.merge(churners[["person_id", "churn"]], on="person_id")
    before = (a["ts"] < a["churn"]).sum() / (churners["churn"] - pd.Timestamp(START)).dt.days.sum()
    after = (a["ts"] >= a["churn"]).sum() / (end - churners["churn"]).dt.days.sum()
    assert after < 0.25 * before, (before, after)


def test_low_satisfaction_persons_churn_more(churn_world):
    persons = pq.read_table(churn_world / "ground_truth" / "persons.parquet").to_pandas()
    low = persons["satisfaction"] < persons["satisfaction"].median()
    rate_low = persons.loc[low, "churn_date"].notna().mean()
    rate_high = persons.loc[~low, "churn_date"].notna().mean()
    assert rate_low > 1.3 * rate_high


# --- CLI ---------------------------------------------------------------------------------------


def test_cli_prints_progress_and_writes(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "synthetic.generate",
            "--out",
            str(tmp_path),
            "--persons",
            "60",
            "--days",
            "10",
            "--start",
            "2026-03-01",
            "--seed",
            "3",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "day 10/10" in proc.stderr and "ground truth" in proc.stderr
    assert (tmp_path / "landing" / "marketing" / "contacts" / "2026-03-01.csv").exists()
    assert (tmp_path / "ground_truth" / "person_map.parquet").exists()


def test_rerun_replaces_previous_output(tmp_path):
    generate(tmp_path, 80, 8, START, 1, quiet=True)
    generate(tmp_path, 80, 4, START, 1, quiet=True)
    days = {f.name for f in (tmp_path / "landing").rglob("*.*")}
    assert max(days) < "2026-01-05"


def test_counts_match_files(tmp_path):
    counts = generate(tmp_path, 80, 8, START, 2, quiet=True)
    by_entity = defaultdict(int)
    for f in (tmp_path / "landing").rglob("*.*"):
        key = f"{f.parent.parent.name}.{f.parent.name}"
        if f.suffix == ".parquet":
            by_entity[key] += pq.read_metadata(f).num_rows
        elif f.suffix == ".csv":
            by_entity[key] += len(pd.read_csv(f))
        else:
            by_entity[key] += len(f.read_text().splitlines())
    assert {k: v for k, v in counts.items() if v} == dict(by_entity)
