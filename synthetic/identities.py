"""Per-system identity records with realistic noise.

Each department knows a person under its own key and with its own version of the
person's name, e-mail and phone: marketing contacts (some persons twice), CRM customers,
billing accounts, and support requesters (made when a person first contacts support).
Ids are numbered in order of creation. Static attributes are built here once; what
changes over time (opt-in, cross-system references, updated_at) lives in the simulation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import catalog, noise
from synthetic.params import NoiseProfile
from synthetic.world import DAY, World

MARKETING, SALES, SUPPORT, FINANCE = 0, 1, 2, 3
SYSTEMS = ("marketing", "sales", "support", "finance")

# Weights of the eight NANP phone formats of noise.format_phones, per system.
PHONE_FORMATS = {
    MARKETING: [0.15, 0.12, 0.2, 0.18, 0.15, 0.08, 0.05, 0.07],  # typed into web forms
    SALES: [0.12, 0.04, 0.08, 0.5, 0.16, 0.04, 0.03, 0.03],  # CRM masks input
    SUPPORT: [0.1, 0.1, 0.25, 0.2, 0.2, 0.05, 0.05, 0.05],
    FINANCE: [0.1, 0.02, 0.1, 0.1, 0.08, 0.55, 0.03, 0.02],  # billing stores E.164
}


@dataclass
class Records:
    """Rows of one system's identity entity, in id order (row i has id number i + 1)."""

    person: np.ndarray
    created_ts: np.ndarray
    cols: dict[str, pa.Array] = field(default_factory=dict)
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def num(self) -> np.ndarray:
        return np.arange(1, len(self.person) + 1, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.person)


@dataclass
class Identities:
    contacts: Records
    customers: Records
    accounts: Records
    other_system: np.ndarray  # per person: system where a second address is used, or -1
    crm_row: np.ndarray  # per person: row in customers, or -1
    contact_row: np.ndarray  # per person: primary contact row, or -1
    account_row: np.ndarray  # per person: row in accounts, or -1


def _ordered(person: np.ndarray, created: np.ndarray) -> np.ndarray:
    return np.lexsort((person, created))


def _missing(rng: np.random.Generator, arr: pa.Array, rate: float, p: NoiseProfile) -> pa.Array:
    return noise.null_where(rng.random(len(arr)) < rate * p.missing_scale, arr)


def _person_email(
    rng: np.random.Generator,
    world: World,
    person: np.ndarray,
    other: np.ndarray,
    p: NoiseProfile,
    alias_scale: float,
    missing: float,
) -> pa.Array:
    base = noise.patch(
        pc.take(world.email, pa.array(person)), other, lambda _: pc.take(world.work_email, pa.array(person[other]))
    )
    out = noise.email_noise(rng, base, p, alias_scale)
    out = noise.placeholders(rng, out, p.placeholder_email, catalog.PLACEHOLDER_EMAILS)
    return _missing(rng, out, missing, p)


def _person_phone(
    rng: np.random.Generator, world: World, person: np.ndarray, system: int, p: NoiseProfile, missing: float
) -> pa.Array:
    out = noise.format_phones(rng, world.phone[person], world.country[person], PHONE_FORMATS[system])
    out = noise.placeholders(rng, out, p.placeholder_phone, catalog.PLACEHOLDER_PHONES)
    return _missing(rng, out, missing, p)


def _names(rng: np.random.Generator, world: World, person: np.ndarray, p: NoiseProfile, nickname_scale: float):
    first = noise.first_names(rng, world.first_idx[person], p.nickname * nickname_scale)
    first = noise.recase(rng, noise.typos(rng, first, p.name_typo), p.name_case)
    last = noise.recase(rng, noise.typos(rng, noise.LAST[world.last_idx[person]], p.name_typo), p.name_case)
    return first, last


def build_identities(rng: np.random.Generator, world: World, p: NoiseProfile) -> Identities:
    n = world.n
    other_system = np.where(rng.random(n) < p.other_email, rng.integers(0, 4, n), -1)
    contacts = _contacts(rng, world, p, other_system)
    customers = _customers(rng, world, p, other_system)
    crm_row = np.full(n, -1, dtype=np.int64)
    crm_row[customers.person] = np.arange(len(customers))
    accounts = _accounts(rng, world, p, other_system, customers, crm_row)
    contact_row = np.full(n, -1, dtype=np.int64)
    prim = contacts.extra["is_primary"]
    contact_row[contacts.person[prim]] = np.nonzero(prim)[0]
    account_row = np.full(n, -1, dtype=np.int64)
    account_row[accounts.person] = np.arange(len(accounts))
    return Identities(contacts, customers, accounts, other_system, crm_row, contact_row, account_row)


def _contacts(rng, world: World, p: NoiseProfile, other_system) -> Records:
    prim = np.nonzero(world.exists(world.contact_ts))[0]
    dup = np.nonzero(world.exists(world.dup_contact_ts))[0]
    person = np.concatenate([prim, dup])
    created = np.concatenate([world.contact_ts[prim], world.dup_contact_ts[dup]])
    is_primary = np.concatenate([np.ones(len(prim), bool), np.zeros(len(dup), bool)])
    order = _ordered(person, created)
    person, created, is_primary = person[order], created[order], is_primary[order]
    m = len(person)

    # e-mail: a duplicate registration re-uses the address (noisier), a work address or a new one
    kind = np.where(is_primary, 0, noise.pick(rng, m, [0.4, 0.3, 0.3]))
    use_other = (is_primary & (other_system[person] == MARKETING)) | (kind == 1)
    email = _person_email(rng, world, person, use_other, p, 1.0, 0.005)
    again = ~is_primary & (kind == 0)
    email = noise.patch(
        email, again, lambda _: noise.email_noise(rng, pc.take(world.email, pa.array(person[again])), p, 3.0)
    )
    fresh = kind == 2
    domains = pa.array(
        np.array([d for d, _ in catalog.PERSONAL_DOMAINS], dtype=object)[
            rng.integers(0, len(catalog.PERSONAL_DOMAINS), int(fresh.sum()))
        ],
        pa.string(),
    )
    new = noise.email_addresses(rng, world.first_idx[person[fresh]], world.last_idx[person[fresh]], domains)
    # a new address must not be anybody's own address
    new = noise.make_unique(rng, new, taken=pa.concat_arrays([world.email, world.work_email]))
    email = noise.patch(email, fresh, lambda _: new)

    first, last = _names(rng, world, person, p, 1.0)
    cols = {
        "email": email,
        "first_name": _missing(rng, pa.array(first), 0.02, p),
        "last_name": _missing(rng, pa.array(last), 0.03, p),
        "phone": _person_phone(rng, world, person, MARKETING, p, 0.30),
        "country": _missing(rng, pa.array(world.country[person]), 0.05, p),
    }
    extra = {
        "is_primary": is_primary,
        "opt_in": rng.random(m) < 0.82,
        "crm_sync": rng.random(m) < (0.45 if p.name == "default" else 0.3),
    }
    return Records(person, created, cols, extra)


def _customers(rng, world: World, p: NoiseProfile, other_system) -> Records:
    person = np.nonzero(world.exists(world.crm_ts))[0]
    created = world.crm_ts[person]
    order = _ordered(person, created)
    person, created = person[order], created[order]
    m = len(person)
    first, last = _names(rng, world, person, p, 0.5)
    style = noise.pick(rng, m, [0.85, 0.08, 0.07])
    middle = np.array(list("ABCDEFGHJKLMNPRSTW"))[rng.integers(0, 18, m)]
    add = np.strings.add
    full = np.where(
        style == 0,
        add(add(first, " "), last),
        np.where(style == 1, add(add(last, ", "), first), add(add(add(add(first, " "), middle), ". "), last)),
    )
    country_name = np.empty(m, dtype=object)
    iso = world.country[person]
    for code, variants in catalog.COUNTRY_NAMES.items():
        sel = iso == code
        names = np.array([v for v, _ in variants], dtype=object)
        country_name[sel] = names[noise.pick(rng, int(sel.sum()), [w for _, w in variants])]
    idx = pa.array(person)
    cols = {
        "full_name": _missing(rng, pa.array(full), 0.01, p),
        "email": _person_email(rng, world, person, other_system[person] == SALES, p, 0.5, 0.05),
        "phone": _person_phone(rng, world, person, SALES, p, 0.12),
        "street": _missing(rng, pc.take(world.street, idx), 0.04, p),
        "city": _missing(rng, pc.take(world.city, idx), 0.03, p),
        "postal_code": _missing(rng, pc.take(world.postal_code, idx), 0.04, p),
        "country": _missing(rng, pa.array(country_name, pa.string()), 0.03, p),
    }
    return Records(person, created, cols, {})


def _accounts(rng, world: World, p: NoiseProfile, other_system, customers: Records, crm_row) -> Records:
    person = np.nonzero(world.exists(world.billing_ts))[0]
    created = world.billing_ts[person]
    order = _ordered(person, created)
    person, created = person[order], created[order]
    m = len(person)
    first, last = _names(rng, world, person, p, 0.2)
    full = np.strings.add(np.strings.add(first, " "), last)
    u = rng.random(m)
    full = np.where(u < 0.3, np.strings.upper(full), full)
    full = np.where((u >= 0.3) & (u < 0.34), np.strings.add(last, " Household"), full)
    # the CRM reference is set when the account was opened by a known CRM customer
    row = crm_row[person]
    crm_known = (row >= 0) & (np.where(row >= 0, customers.created_ts[np.maximum(row, 0)], 0) <= created)
    link = crm_known & (rng.random(m) < (0.6 if p.name == "default" else 0.4))
    plan_weights = np.array([[0.70, 0.25, 0.05], [0.35, 0.50, 0.15], [0.10, 0.40, 0.50]])
    cols = {
        "account_name": _missing(rng, pa.array(full), 0.01, p),
        "billing_email": _person_email(rng, world, person, other_system[person] == FINANCE, p, 0.3, 0.02),
        "phone": _person_phone(rng, world, person, FINANCE, p, 0.15),
        "postal_code": _missing(rng, pc.take(world.postal_code, pa.array(person)), 0.03, p),
        "country": _missing(rng, pa.array(world.country[person]), 0.02, p),
    }
    extra = {
        "crm_link": link,
        "plan": noise.pick_rows(rng, plan_weights[world.value_segment[person]]).astype(np.int8),
        "method": noise.pick(rng, m, [0.6, 0.3, 0.1]).astype(np.int8),  # card, direct_debit, bank_transfer
        "bill_dom": np.minimum(((created - world.start_epoch) // DAY + world.start.toordinal() - 1) % 28 + 1, 28),
    }
    return Records(person, created, cols, extra)


def requester_columns(
    rng: np.random.Generator, world: World, ids: Identities, person: np.ndarray, created: np.ndarray, p: NoiseProfile
) -> dict[str, pa.Array]:
    """Attributes of new support requesters (name, email, phone, crm reference)."""
    m = len(person)
    first, last = _names(rng, world, person, p, 1.5)
    add = np.strings.add
    initial = np.strings.slice(last, 0, 1)
    style = noise.pick(rng, m, [0.6, 0.15, 0.12, 0.13])
    name = np.where(
        style == 0,
        add(add(first, " "), last),
        np.where(
            style == 1,
            first,
            np.where(style == 2, add(add(add(first, " "), initial), "."), np.strings.lower(add(add(first, " "), last))),
        ),
    )
    row = ids.crm_row[person]
    crm_known = (row >= 0) & (np.where(row >= 0, ids.customers.created_ts[np.maximum(row, 0)], 0) <= created)
    link = crm_known & (rng.random(m) < (0.3 if p.name == "default" else 0.2))
    return {
        "name": _missing(rng, pa.array(name), 0.02, p),
        "email": _person_email(rng, world, person, ids.other_system[person] == SUPPORT, p, 0.5, 0.03),
        "phone": _person_phone(rng, world, person, SUPPORT, p, 0.55),
        "crm_num": np.where(link, row + 1, -1),
    }
