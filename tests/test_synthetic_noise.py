"""Identity noise of the synthetic generator: each kind of noise does what it says, and the
"hard" profile is noisier than the default one."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import noise
from synthetic.identities import build_identities
from synthetic.params import PROFILES, RATES
from synthetic.world import build_world


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_typos_change_one_letter_and_keep_the_first():
    names = np.array(["Elizabeth", "Christopher", "Margaret"] * 200, dtype="<U20")
    out = noise.typos(_rng(), names, rate=1.0)
    changed = out != names
    assert changed.mean() > 0.8
    for a, b in zip(names, out, strict=True):
        assert a[0] == b[0] and abs(len(a) - len(b)) <= 1


def test_nicknames_replace_formal_names():
    idx = np.full(2000, [f for f, _ in noise.catalog.FIRST_NAMES].index("Robert"))
    out = noise.first_names(_rng(), idx, nickname_rate=0.5)
    assert set(out) == {"Robert", "Bob", "Rob"}


def test_phone_formats_keep_the_digits():
    digits = np.full(500, 5551234567, dtype=np.int64)
    out = noise.format_phones(_rng(), digits, np.full(500, "US"), [1] * 8).to_pylist()
    assert len(set(out)) == 8
    for p in out:
        d = re.sub(r"\D", "", p)
        assert d[-10:] == "5551234567"
    uk = noise.format_phones(_rng(), np.full(50, 7700123456), np.full(50, "GB"), [1] * 8).to_pylist()
    assert all(re.sub(r"\D", "", p).endswith("7700123456") for p in uk)


def test_email_noise_keeps_the_normalised_address():
    base = pa.array(["john.smith@gmail.com"] * 3000)
    p = PROFILES["hard"]
    out = noise.email_noise(_rng(), base, p, alias_scale=3.0)
    norm = pc.utf8_lower(pc.utf8_trim_whitespace(out)).to_pylist()
    assert len(set(out.to_pylist())) > 5
    for e in norm:
        local, domain = e.split("@")
        local = local.split("+")[0].replace(".", "")
        assert local == "johnsmith" and domain in ("gmail.com", "gmial.com", "gmai.com")


def test_make_unique_and_taken():
    emails = pa.array(["a@x.com", "b@x.com", "a@x.com", "c@x.com", "a@x.com"])
    out = noise.make_unique(_rng(), emails, taken=pa.array(["c@x.com"])).to_pylist()
    assert len(set(out)) == 5 and out[0] == "a@x.com" and out[1] == "b@x.com"
    assert "c@x.com" not in out


def _email_disagreement(profile: str) -> tuple[float, float]:
    world = build_world(_rng(5), 4000, 60, dt.date(2026, 1, 1), PROFILES[profile], RATES)
    ids = build_identities(_rng(6), world, PROFILES[profile])
    cu = ids.customers
    given = pc.utf8_lower(pc.utf8_trim_whitespace(cu.cols["email"])).to_numpy(zero_copy_only=False)
    own = pc.take(world.email, pa.array(cu.person)).to_numpy(zero_copy_only=False)
    disagree = np.mean([g is not None and g != o for g, o in zip(given, own, strict=True)])
    shared = np.mean(world.household_of >= 0)
    return disagree, shared


def test_hard_noise_is_noisier():
    d_default, s_default = _email_disagreement("default")
    d_hard, s_hard = _email_disagreement("hard")
    assert d_hard > d_default
    assert s_hard > 2 * s_default
