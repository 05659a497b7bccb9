"""Persons: who they are, their latent traits and which systems know them from when.

A person is a row index 0..n-1 (ground-truth person_id = index + 1). Times are int64 epoch
seconds (UTC); days are offsets from the start date (negative = before the period).
A system record whose creation time is at or after the end of the period does not exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import catalog, noise
from synthetic.contract import NO_TS
from synthetic.params import NoiseProfile, Rates

DAY = 86_400


@dataclass
class World:
    n: int
    days: int
    start: dt.date
    start_epoch: int
    # identity
    first_idx: np.ndarray
    last_idx: np.ndarray
    country: np.ndarray  # ISO2 codes, <U2
    email: pa.Array  # personal address, unique except for household sharing
    work_email: pa.Array  # a second address (work/old) some persons use in one system
    phone: np.ndarray  # 10 significant digits
    street: pa.Array
    city: pa.Array
    postal_code: pa.Array
    household_of: np.ndarray  # index of the person whose e-mail this one shares, or -1
    # latent traits
    signup_ts: np.ndarray
    satisfaction: np.ndarray  # baseline satisfaction 0..1
    engagement: np.ndarray  # engagement propensity (mean ~1)
    value_segment: np.ndarray  # 0 low, 1 mid, 2 high
    price_sensitivity: np.ndarray  # 0..1
    payment_risk: np.ndarray  # 0..1
    category_pref: np.ndarray  # (n, categories), rows sum to 1
    ticket_propensity: np.ndarray
    # system records (creation time or NO_TS)
    contact_ts: np.ndarray
    dup_contact_ts: np.ndarray
    crm_ts: np.ndarray
    billing_ts: np.ndarray
    requester_ts: np.ndarray  # support requester created before the start (history) or NO_TS

    @property
    def end_epoch(self) -> int:
        return self.start_epoch + self.days * DAY

    def day_of(self, ts: np.ndarray) -> np.ndarray:
        """Day offset of epoch seconds (floor; negative before the start)."""
        return np.floor_divide(np.asarray(ts, dtype=np.int64) - self.start_epoch, DAY)

    def exists(self, ts: np.ndarray) -> np.ndarray:
        return (ts != NO_TS) & (ts < self.end_epoch)


def epoch(day: dt.date) -> int:
    return int((day - dt.date(1970, 1, 1)).days) * DAY


def build_world(
    rng: np.random.Generator, n: int, days: int, start: dt.date, profile: NoiseProfile, rates: Rates
) -> World:
    start_epoch = epoch(start)
    # --- who
    first_idx = rng.integers(0, len(noise.FIRST), n)
    last_idx = rng.integers(0, len(noise.LAST), n)
    country = np.array([c for c, _ in catalog.COUNTRIES])[noise.pick(rng, n, [w for _, w in catalog.COUNTRIES])]
    domains = pa.array(
        np.array([d for d, _ in catalog.PERSONAL_DOMAINS], dtype=object)[
            noise.pick(rng, n, [w for _, w in catalog.PERSONAL_DOMAINS])
        ],
        pa.string(),
    )
    email = noise.make_unique(rng, noise.email_addresses(rng, first_idx, last_idx, domains))
    work_email = noise.make_unique(rng, noise.work_addresses(rng, first_idx, last_idx))
    phone = noise.phone_numbers(rng, country)
    street, city, postal = addresses(rng, country)

    # --- households share an e-mail (and often a surname, address and landline)
    household_of = np.full(n, -1, dtype=np.int64)
    perm = rng.permutation(n)
    k = int(round(profile.household_share * n))
    sharer, owner = perm[:k], perm[k : 2 * k]
    household_of[sharer] = owner
    same_last = rng.random(k) < 0.7
    last_idx[sharer[same_last]] = last_idx[owner[same_last]]
    country[sharer] = country[owner]
    take = np.arange(n)
    take[sharer] = owner
    idx = pa.array(take)
    email = pc.take(email, idx)
    street, city, postal = pc.take(street, idx), pc.take(city, idx), pc.take(postal, idx)
    same_phone = rng.random(k) < 0.4
    phone[sharer[same_phone]] = phone[owner[same_phone]]
    # --- recycled phone numbers between unrelated persons
    m = int(round(profile.phone_reuse * n))
    phone[perm[2 * k : 2 * k + m]] = phone[perm[2 * k + m : 2 * k + 2 * m]]

    # --- latent traits
    satisfaction = rng.beta(5.0, 2.5, n)
    engagement = rng.lognormal(-0.18, 0.6, n)
    value_segment = noise.pick(rng, n, [0.50, 0.35, 0.15]).astype(np.int8)
    price_sensitivity = np.clip(rng.beta(2.0, 3.0, n) + 0.12 * (value_segment == 0) - 0.12 * (value_segment == 2), 0, 1)
    payment_risk = rng.beta(1.2, 8.0, n)
    gam = rng.gamma(0.6, 1.0, (n, len(catalog.CATEGORIES))) + 1e-9
    category_pref = gam / gam.sum(axis=1, keepdims=True)
    ticket_propensity = rng.lognormal(-0.125, 0.5, n)

    # --- signup: most persons exist before the start, the rest join during the period
    history = rng.random(n) < rates.history_share
    back = np.minimum(np.ceil(rng.exponential(500.0, n)), 1800).astype(np.int64)
    signup_day = np.where(history, -back, rng.integers(0, max(days, 1), n))
    signup_ts = start_epoch + signup_day * DAY + _daytime(rng, n)

    # --- which systems know the person, from when
    has_crm = rng.random(n) < rates.has_crm
    has_billing = rng.random(n) < np.where(has_crm, rates.billing_given_crm, rates.billing_given_no_crm)
    has_contact = np.where(has_crm | has_billing, rng.random(n) < rates.contact_given_other, True)
    contact_ts = np.where(has_contact, signup_ts, NO_TS)
    crm_lag = np.where(
        rng.random(n) < 0.5, rng.integers(60, 3600, n), (rng.exponential(45.0, n) * DAY).astype(np.int64)
    )
    crm_ts = np.where(has_crm, signup_ts + crm_lag, NO_TS)
    bill_lag = np.where(
        rng.random(n) < 0.6, rng.integers(60, 3600, n), (rng.exponential(20.0, n) * DAY).astype(np.int64)
    )
    billing_ts = np.where(has_billing, signup_ts + bill_lag, NO_TS)
    # a subscription starts on the day of its account: keep the account inside one day
    billing_ts = np.where(has_billing, np.minimum(billing_ts, (billing_ts // DAY) * DAY + DAY - 7200), NO_TS)
    dup = has_contact & (rng.random(n) < profile.duplicate_contact)
    dup_contact_ts = np.where(dup, signup_ts + (rng.exponential(120.0, n) * DAY).astype(np.int64) + 3600, NO_TS)
    had_ticket = history & (rng.random(n) < rates.history_requester)
    requester_ts = np.where(had_ticket, signup_ts + (rng.random(n) * (start_epoch - signup_ts)).astype(np.int64), NO_TS)
    requester_ts = np.where(had_ticket, np.minimum(requester_ts, start_epoch - 60), NO_TS)

    return World(
        n=n,
        days=days,
        start=start,
        start_epoch=start_epoch,
        first_idx=first_idx,
        last_idx=last_idx,
        country=country,
        email=email,
        work_email=work_email,
        phone=phone,
        street=street,
        city=city,
        postal_code=postal,
        household_of=household_of,
        signup_ts=signup_ts,
        satisfaction=satisfaction,
        engagement=engagement,
        value_segment=value_segment,
        price_sensitivity=price_sensitivity,
        payment_risk=payment_risk,
        category_pref=category_pref,
        ticket_propensity=ticket_propensity,
        contact_ts=contact_ts,
        dup_contact_ts=dup_contact_ts,
        crm_ts=crm_ts,
        billing_ts=billing_ts,
        requester_ts=requester_ts,
    )


# Share of activity per hour of the day (UTC), waking hours heavier.
HOURS = np.array([1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 4, 5, 5.5, 5.5, 5.5, 5.5, 5.2, 5, 5, 5.2, 5.5, 6, 6, 5, 3.5, 2])
BUSINESS_HOURS = np.array(
    [0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 2, 6, 8, 8, 8, 7, 8, 8, 8, 7, 5, 2.5, 1.5, 1, 0.6, 0.3, 0.2]
)


def _daytime(rng: np.random.Generator, n: int, hours: np.ndarray = HOURS) -> np.ndarray:
    """Seconds into a day, following the hour profile."""
    return noise.pick(rng, n, hours) * 3600 + rng.integers(0, 3600, n)


def times_on(rng: np.random.Generator, day_start: int, n: int, business: bool = False) -> np.ndarray:
    return day_start + _daytime(rng, n, BUSINESS_HOURS if business else HOURS)


def addresses(rng: np.random.Generator, country: np.ndarray) -> tuple[pa.Array, pa.Array, pa.Array]:
    n = len(country)
    number = pc.cast(pa.array(rng.integers(1, 9900, n)), pa.string())
    name = pa.array(np.array(catalog.STREETS, dtype=object)[rng.integers(0, len(catalog.STREETS), n)], pa.string())
    suffix = pa.array(
        np.array(catalog.STREET_SUFFIXES, dtype=object)[rng.integers(0, len(catalog.STREET_SUFFIXES), n)], pa.string()
    )
    street = pc.binary_join_element_wise(number, name, suffix, " ")
    city = np.empty(n, dtype=object)
    for code, names in catalog.CITIES.items():
        m = country == code
        city[m] = np.array(names, dtype=object)[rng.integers(0, len(names), int(m.sum()))]
    # postal codes: US 5 digits, CA "A1A 1A1", GB "AB1 2CD"
    letters = np.array(list("ABCEGHJKLMNPRSTVXY"), dtype="<U1")
    digit = np.array(list("0123456789"), dtype="<U1")

    def lt():
        return letters[rng.integers(0, len(letters), n)]

    def dg():
        return digit[rng.integers(0, 10, n)]

    add = np.strings.add
    us = np.char.zfill(rng.integers(1000, 99951, n).astype(str), 5)
    ca = add(add(add(add(add(add(add(lt(), dg()), lt()), " "), dg()), lt()), dg()), "")
    gb = add(add(add(add(add(add(lt(), lt()), dg()), " "), dg()), lt()), lt())
    postal = np.where(country == "US", us, np.where(country == "CA", ca, gb))
    return street, pa.array(city, pa.string()), pa.array(postal, pa.string())
