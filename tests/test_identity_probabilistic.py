"""The probabilistic pass (splink on DuckDB) on a small planted population, without Dagster."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from ml.identity.probabilistic import _domain
from ml.identity.resolve import resolution_stats, resolve_frame
from ml.identity.rules import ProbabilisticConfig, RuleConfig

CFG = RuleConfig(("crm_reference", "email", "phone"), ("info@",), ("0000000",),
                 probabilistic=ProbabilisticConfig(enabled=True, min_records=100))
FIRST = ["ann", "bob", "cara", "dev", "eli", "fay", "gus", "hana", "ivan", "jo", "kemi", "lars", "mona", "nils",
         "ola", "pia", "quinn", "rosa", "sam", "tess", "uma", "vic", "wes", "xena", "yoko", "zane"]
LAST = ["adams", "baker", "chen", "diaz", "evans", "fox", "garcia", "hughes", "ito", "jones", "khan", "lopez",
        "moore", "ng", "obi", "patel", "quist", "reyes", "smith", "tran", "usman", "vance", "wong", "young"]
D1 = dt.date(2026, 1, 1)


def population(n: int = 300, seed: int = 3) -> pd.DataFrame:
    """Each person: a CRM record and a marketing contact with the same e-mail (the rules link them)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        first, last = FIRST[rng.integers(len(FIRST))], LAST[rng.integers(len(LAST))]
        email = f"{first}.{last}{i}@mail.com"
        phone = f"555{i:07d}"
        rows.append(("sales", f"R{i}", email, phone, f"R{i}", D1, first, last, email.split("@")[0], f"{i:05d}"))
        rows.append(("marketing", f"M{i}", email, None if i % 3 else phone, None, D1, first, last,
                     email.split("@")[0], None))
    return pd.DataFrame(rows, columns=["source_system", "source_record_id", "email_normalized", "phone_normalized",
                                       "crm_reference", "first_landed_date", "first_name_key", "last_name_key",
                                       "email_user", "postal_code"])


def planted() -> pd.DataFrame:
    people = population()
    extra = pd.DataFrame(
        [
            # person 7's support requester: the e-mail domain has a typo, no phone, no CRM reference
            ("support", "S7", people.loc[14, "email_normalized"].replace("mail.com", "mial.com"), None, None, D1,
             people.loc[14, "first_name_key"], people.loc[14, "last_name_key"], people.loc[14, "email_user"], None),
            # a stranger with person 8's name but another e-mail and phone
            ("support", "S999", "someone.else@other.org", "5559999999", None, D1, people.loc[16, "first_name_key"],
             people.loc[16, "last_name_key"], "someone.else", None),
        ],
        columns=people.columns,
    )
    return pd.concat([people, extra], ignore_index=True)


def _ids(resolved: pd.DataFrame) -> dict[str, str]:
    return dict(zip(resolved["source_record_id"], resolved["customer_id"]))


def test_probabilistic_pass_links_what_the_rules_leave_and_not_a_namesake():
    records = planted()
    rules_only = resolve_frame(records, None, dataclasses.replace(
        CFG, probabilistic=dataclasses.replace(CFG.probabilistic, enabled=False)))
    assert _ids(rules_only.resolved)["S7"] != _ids(rules_only.resolved)["R7"]

    result = resolve_frame(records, None, CFG)
    by = _ids(result.resolved)
    assert by["S7"] == by["R7"] == by["M7"]
    assert by["S999"] != by["R8"]
    s7 = result.resolved.set_index("source_record_id").loc["S7"]
    assert s7["match_rule"] == "probabilistic"
    assert CFG.probabilistic.threshold <= s7["match_probability"] <= 1
    audit = result.pairs[result.pairs["match_rule"] == "probabilistic"]
    assert {"match"} <= set(audit["decision"])
    assert audit["match_probability"].between(CFG.probabilistic.review_floor, 1).all()
    # the stats count clusters by number: the same as the customers of the map
    stats, sizes = resolution_stats(result), result.resolved.groupby("customer_id").size()
    assert (stats.customers, stats.largest_cluster) == (sizes.size, sizes.max()) and sizes.max() >= 3
    assert stats.cluster_size_counts == sizes.value_counts().to_dict()


def test_probabilistic_pass_is_deterministic():
    records = planted()
    first = resolve_frame(records, None, CFG)
    again = resolve_frame(records.sample(frac=1, random_state=1), None, CFG)
    # records that come in key order, as the warehouse's read gives them, are not sorted again
    in_order = resolve_frame(records.sort_values(["source_system", "source_record_id"]), None, CFG)
    for other in (again, in_order):
        pd.testing.assert_frame_equal(first.resolved, other.resolved)
        pd.testing.assert_frame_equal(first.pairs, other.pairs)


def test_the_domain_typo_level_measures_domains_as_the_whole_addresses():
    """The level compares the domains behind a shared local part: the same distance as the
    whole addresses', edits at the '@', transpositions and a domain left empty included."""
    rng = np.random.default_rng(5)
    alphabet = list("ab.@-é")
    domains = ["gmail.com", "gmial.com", "mgail.com", "gmail.co", "", "g", "b@c.org", "yahoo.com", "ab.ba"]
    domains += ["".join(rng.choice(alphabet, rng.integers(0, 8))) for _ in range(300)]
    left, right = rng.choice(domains, 2000), rng.choice(domains, 2000)
    users = rng.choice(["jo", "a.b", "é", "x-y.z"], 2000)
    pairs = pd.DataFrame({"email_user_l": users, "email_user_r": users,
                          "email_normalized_l": users + "@" + left, "email_normalized_r": users + "@" + right})
    con = duckdb.connect()
    con.register("pairs", pairs)
    whole, domain = con.execute(
        f"SELECT damerau_levenshtein(email_normalized_l, email_normalized_r), "
        f"damerau_levenshtein({_domain('l')}, {_domain('r')}) FROM pairs"
    ).fetchnumpy().values()
    assert (whole == domain).all()
    assert (whole <= 2).sum() > 100 and (whole > 2).sum() > 100


def test_the_nights_of_a_week_score_with_the_model_of_its_retraining_day(tmp_path):
    from ml.identity.model_store import stored_model

    monday = dt.date(2026, 1, 5)  # retrain_weekday 0
    later = population(60, seed=9).assign(first_landed_date=monday + dt.timedelta(days=1))
    for c in ("source_record_id", "crm_reference", "email_normalized", "email_user", "phone_normalized"):
        later[c] = "9" + later[c]  # other people than population()'s first 60
    records = pd.concat([planted(), later], ignore_index=True)

    wednesday = stored_model(tmp_path / "week", CFG.probabilistic, monday + dt.timedelta(days=2))
    assert wednesday.training_day == monday
    first = resolve_frame(records, None, CFG, stored=wednesday)
    assert first.model_training_day == monday and wednesday.path.exists()
    by = _ids(first.resolved)
    assert by["S7"] == by["R7"] and by["S999"] != by["R8"]

    # trained on the records landed by Monday: the same parameters as a model of Monday's records alone
    alone = stored_model(tmp_path / "monday", CFG.probabilistic, monday)
    resolve_frame(planted(), None, CFG, stored=alone)
    assert wednesday.load()["comparisons"] == alone.load()["comparisons"]

    # Thursday reads Wednesday's file rather than training again, and scores the same
    written = wednesday.path.stat().st_mtime_ns
    thursday = stored_model(tmp_path / "week", CFG.probabilistic, monday + dt.timedelta(days=3))
    assert thursday == wednesday
    again = resolve_frame(records.sample(frac=1, random_state=2), first.resolved, CFG, stored=thursday)
    assert wednesday.path.stat().st_mtime_ns == written
    pd.testing.assert_frame_equal(first.pairs, again.pairs)
    assert again.changelog.empty


def test_a_retraining_day_without_enough_history_stores_no_model(tmp_path):
    from ml.identity.model_store import stored_model

    first_week = stored_model(tmp_path, CFG.probabilistic, D1)  # its Monday is before any record landed
    assert first_week.training_day < D1
    result = resolve_frame(planted(), None, CFG, stored=first_week)
    assert result.model_training_day is None and not first_week.path.exists()
    by = _ids(result.resolved)
    assert by["S7"] == by["R7"]  # trained on what there is
