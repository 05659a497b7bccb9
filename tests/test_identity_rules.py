"""Deterministic identity: rules, guards, stable ids, merges and splits."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ml.identity.resolve import resolve_frame
from ml.identity.rules import RuleConfig

CFG = RuleConfig(("crm_reference", "email", "phone"), ("info@", "noreply@"), ("0000000",))
D1, D2 = dt.date(2026, 1, 1), dt.date(2026, 1, 2)
COLUMNS = ["source_system", "source_record_id", "email_normalized", "phone_normalized", "crm_reference",
           "first_landed_date"]


def frame(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def ids(resolved: pd.DataFrame) -> dict[str, str]:
    return dict(zip(resolved["source_system"] + ":" + resolved["source_record_id"], resolved["customer_id"]))


BASE = [
    ("sales", "R1", "ann@x.com", "5551112222", "R1", D1),
    ("marketing", "M1", "ann@x.com", None, None, D1),  # email → R1
    ("finance", "F1", "ann.work@corp.com", None, "R1", D1),  # CRM reference → R1
    ("support", "S1", "other@x.com", "5551112222", None, D1),  # phone → R1
    ("marketing", "M2", "info@shop.com", None, None, D1),  # placeholder e-mail
    ("support", "S2", "info@shop.com", "0000000", None, D1),  # placeholder e-mail and phone
]


def test_rules_link_records_and_record_the_first_rule():
    resolved, changelog = resolve_frame(frame(BASE), None, CFG)
    by = ids(resolved)
    assert by["sales:R1"] == by["marketing:M1"] == by["finance:F1"] == by["support:S1"]
    rules = dict(zip(resolved["source_record_id"], resolved["match_rule"]))
    assert rules == {"R1": "crm_reference", "F1": "crm_reference", "M1": "email", "S1": "phone",
                     "M2": "unique", "S2": "unique"}
    assert (resolved["match_probability"] == 1.0).all()
    assert changelog.empty


def test_placeholder_email_and_phone_never_merge_strangers():
    by = ids(resolve_frame(frame(BASE), None, CFG)[0])
    assert by["marketing:M2"] != by["support:S2"]
    assert len(set(by.values())) == 3


def test_ids_are_deterministic_and_survive_new_data():
    first, _ = resolve_frame(frame(BASE), None, CFG)
    again, _ = resolve_frame(frame(list(reversed(BASE))), None, CFG)
    assert ids(first) == ids(again)
    newcomer = ("support", "S9", "ann@x.com", None, None, D2)  # joins the existing customer
    stranger = ("sales", "R9", "zed@x.com", None, "R9", D2)
    second, changelog = resolve_frame(frame(BASE + [newcomer, stranger]), first, CFG)
    by = ids(second)
    assert {k: by[k] for k in ids(first)} == ids(first)
    assert by["support:S9"] == by["sales:R1"]
    assert by["sales:R9"] not in set(ids(first).values())
    assert changelog.empty


def test_merge_keeps_the_oldest_id_and_is_logged():
    rows = [
        ("sales", "R1", "ann@x.com", None, "R1", D1),
        ("marketing", "M7", "ann2@x.com", None, None, D2),
    ]
    first, _ = resolve_frame(frame(rows), None, CFG)
    old = ids(first)
    linked = rows[:1] + [("marketing", "M7", "ann2@x.com", None, "R1", D2)]  # M7 now carries the CRM id
    second, changelog = resolve_frame(frame(linked), first, CFG)
    assert ids(second)["marketing:M7"] == old["sales:R1"]
    assert changelog.to_dict("records") == [
        {"old_customer_id": old["marketing:M7"], "new_customer_id": old["sales:R1"], "reason": "merge",
         "records_moved": 1}
    ]


def test_split_keeps_the_id_with_the_larger_part_and_is_logged():
    first, _ = resolve_frame(frame(BASE), None, CFG)
    old_id = ids(first)["sales:R1"]
    changed = [r for r in BASE if r[1] != "S1"] + [("support", "S1", "other@x.com", "5559990000", None, D1)]
    second, changelog = resolve_frame(frame(changed), first, CFG)
    by = ids(second)
    assert by["sales:R1"] == old_id
    assert by["support:S1"] != old_id
    assert changelog.to_dict("records") == [
        {"old_customer_id": old_id, "new_customer_id": by["support:S1"], "reason": "split", "records_moved": 1}
    ]
