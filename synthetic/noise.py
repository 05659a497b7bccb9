"""Vectorised identity noise: name typos and nicknames, e-mail and phone variants.

Names are numpy fixed-width unicode arrays (so a typo is an edit of a code-point matrix);
e-mails and phones are Arrow string arrays edited with pyarrow.compute. Every function
takes the Generator it draws from, so the caller controls the random stream.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import catalog
from synthetic.params import NoiseProfile

NAME_WIDTH = 20


def pick(rng: np.random.Generator, n: int, weights) -> np.ndarray:
    """n draws of indices with the given (not necessarily normalised) weights."""
    w = np.asarray(weights, dtype=np.float64)
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(n), side="right").astype(np.int64)


def pick_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One index per row of a (n, k) weight matrix."""
    cdf = np.cumsum(weights, axis=1)
    total = cdf[:, -1:]
    u = rng.random((len(weights), 1)) * total
    return np.minimum((u >= cdf).sum(axis=1), weights.shape[1] - 1)


def where(mask: np.ndarray, a: pa.Array, b: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), a, b)


def null_where(mask: np.ndarray, a: pa.Array) -> pa.Array:
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return a
    return pc.replace_with_mask(a, pa.array(mask), pa.nulls(int(mask.sum()), a.type))


# --- names ------------------------------------------------------------------------------

FIRST = np.array([f for f, _ in catalog.FIRST_NAMES], dtype=f"<U{NAME_WIDTH}")
LAST = np.array(catalog.LAST_NAMES, dtype=f"<U{NAME_WIDTH}")
_NICKS = sorted({n for _, nicks in catalog.FIRST_NAMES for n in nicks})
NICK = np.array(_NICKS, dtype=f"<U{NAME_WIDTH}")
# For each first name, up to two nickname indices (-1 when none).
NICK_TABLE = np.full((len(FIRST), 2), -1, dtype=np.int64)
for _i, (_f, _nicks) in enumerate(catalog.FIRST_NAMES):
    for _j, _nick in enumerate(_nicks[:2]):
        NICK_TABLE[_i, _j] = _NICKS.index(_nick)
    if len(_nicks) == 1:
        NICK_TABLE[_i, 1] = NICK_TABLE[_i, 0]


def first_names(rng: np.random.Generator, first_idx: np.ndarray, nickname_rate: float) -> np.ndarray:
    """The first name a person gives in one system: formal, or a nickname at some rate."""
    names = FIRST[first_idx]
    nick = NICK_TABLE[first_idx, rng.integers(0, 2, len(first_idx))]
    use = (rng.random(len(first_idx)) < nickname_rate) & (nick >= 0)
    names[use] = NICK[nick[use]]
    return names


def typos(rng: np.random.Generator, names: np.ndarray, rate: float) -> np.ndarray:
    """Substitute, swap or drop one letter (never the first) in a share of the names."""
    names = np.ascontiguousarray(names, dtype=f"<U{NAME_WIDTH}")
    codes = names.view(np.uint32).reshape(len(names), NAME_WIDTH).copy()
    lengths = (codes != 0).sum(axis=1)
    rows = np.nonzero((rng.random(len(names)) < rate) & (lengths >= 4))[0]
    kind = rng.integers(0, 3, len(rows))
    pos = 1 + (rng.random(len(rows)) * (lengths[rows] - 2)).astype(np.int64)  # 1 .. len-2
    letters = rng.integers(ord("a"), ord("z") + 1, len(rows)).astype(np.uint32)
    sub = kind == 0
    codes[rows[sub], pos[sub]] = letters[sub]
    sw = kind == 1
    r, p = rows[sw], pos[sw]
    left = codes[r, p].copy()
    codes[r, p] = codes[r, p + 1]
    codes[r, p + 1] = left
    de = kind == 2
    r, p = rows[de], pos[de]
    if len(r):
        cols = np.arange(NAME_WIDTH)
        block = codes[r]
        shifted = np.concatenate([block[:, 1:], np.zeros((len(r), 1), np.uint32)], axis=1)
        codes[r] = np.where(cols[None, :] >= p[:, None], shifted, block)
    return codes.view(f"<U{NAME_WIDTH}").reshape(len(names))


def recase(rng: np.random.Generator, names: np.ndarray, rate: float) -> np.ndarray:
    """All upper or all lower case for a share of the names."""
    u = rng.random(len(names))
    out = names.copy()
    upper = u < rate / 2
    lower = (u >= rate / 2) & (u < rate)
    out[upper] = np.strings.upper(names[upper])
    out[lower] = np.strings.lower(names[lower])
    return out


# --- e-mail -----------------------------------------------------------------------------


def patch(arr: pa.Array, mask: np.ndarray, fn) -> pa.Array:
    """Apply ``fn`` (Arrow array -> Arrow array) to the masked rows only."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return arr
    m = pa.array(mask)
    return pc.replace_with_mask(arr, m, fn(arr.filter(m)))


def by_group(codes: np.ndarray, n_groups: int, make) -> pa.Array:
    """Build a string array group by group: ``make(g, rows)`` returns the values of group g's rows."""
    codes = np.asarray(codes, dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_groups + 1))
    parts = [make(g, order[bounds[g] : bounds[g + 1]]) for g in range(n_groups) if bounds[g + 1] > bounds[g]]
    if not parts:
        return pa.array([], pa.string())
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return pa.concat_arrays(parts).take(pa.array(inverse))


def _letters(names: np.ndarray) -> np.ndarray:
    return np.array(["".join(ch for ch in x.lower() if "a" <= ch <= "z") for x in names], dtype=object)


FIRST_LETTERS = _letters(FIRST)  # "o'brien" -> "obrien", for e-mail local parts
LAST_LETTERS = _letters(LAST)


def email_addresses(
    rng: np.random.Generator, first_idx: np.ndarray, last_idx: np.ndarray, domains: pa.Array
) -> pa.Array:
    """Plausible addresses built from the names (several local-part styles)."""
    n = len(first_idx)
    number = rng.integers(1, 100, n)
    year = rng.integers(1960, 2006, n)
    style = pick(rng, n, [0.30, 0.15, 0.15, 0.08, 0.14, 0.08, 0.10])
    j = pc.binary_join_element_wise

    def make(g: int, rows: np.ndarray) -> pa.Array:
        f = pa.array(FIRST_LETTERS[first_idx[rows]], pa.string())
        last = pa.array(LAST_LETTERS[last_idx[rows]], pa.string())
        initial = pc.utf8_slice_codeunits(f, 0, 1)
        num = pc.cast(pa.array(number[rows]), pa.string())
        if g == 0:
            return j(f, last, ".")  # john.smith
        if g == 1:
            return j(f, last, "")  # johnsmith
        if g == 2:
            return j(initial, last, "")  # jsmith
        if g == 3:
            return j(f, last, "_")  # john_smith
        if g == 4:
            return j(f, last, num, "")  # johnsmith42
        if g == 5:
            return j(f, pc.cast(pa.array(year[rows]), pa.string()), "")  # john1987
        return j(initial, last, num, "")  # jsmith42

    return j(by_group(style, 7, make), domains, "@")


def work_addresses(rng: np.random.Generator, first_idx: np.ndarray, last_idx: np.ndarray) -> pa.Array:
    n = len(first_idx)
    domains = pa.array(
        np.array(catalog.WORK_DOMAINS, dtype=object)[rng.integers(0, len(catalog.WORK_DOMAINS), n)], pa.string()
    )
    local = pc.binary_join_element_wise(
        pa.array(FIRST_LETTERS[first_idx], pa.string()), pa.array(LAST_LETTERS[last_idx], pa.string()), "."
    )
    return pc.binary_join_element_wise(local, domains, "@")


def repeated(values: pa.Array, taken: pa.Array | None = None) -> np.ndarray:
    """True where a value occurred earlier in the array or is in ``taken`` (hash based)."""
    codes = pc.dictionary_encode(values).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    # dictionary codes are assigned in order of first occurrence
    seen = np.concatenate([[-1], np.maximum.accumulate(codes)[:-1]])
    dup = codes <= seen
    if taken is not None:
        dup |= pc.is_in(values, value_set=taken).to_numpy(zero_copy_only=False)
    return dup


def make_unique(rng: np.random.Generator, emails: pa.Array, taken: pa.Array | None = None) -> pa.Array:
    """Append digits to the local part of repeated (or taken) addresses until all are distinct."""
    for _ in range(20):
        dup = repeated(emails, taken)
        if not dup.any():
            return emails
        digits = pc.cast(pa.array(rng.integers(100, 10000, int(dup.sum()))), pa.string())

        def add_digits(sub: pa.Array, digits=digits) -> pa.Array:
            parts = pc.split_pattern(sub, "@", max_splits=1)
            local = pc.binary_join_element_wise(pc.list_element(parts, 0), digits, "")
            return pc.binary_join_element_wise(local, pc.list_element(parts, 1), "@")

        emails = patch(emails, dup, add_digits)
    raise RuntimeError("could not make e-mail addresses unique")


def email_noise(rng: np.random.Generator, emails: pa.Array, p: NoiseProfile, alias_scale: float = 1.0) -> pa.Array:
    """Case, blanks, plus-aliases, dropped gmail dots and domain typos."""
    n = len(emails)
    out = emails
    # plus alias
    alias = rng.random(n) < p.email_plus_alias * alias_scale
    tag = rng.integers(0, len(catalog.PLUS_TAGS), n)
    for k, name in enumerate(catalog.PLUS_TAGS):
        out = patch(
            out, alias & (tag == k), lambda s, name=name: pc.replace_substring(s, "@", f"+{name}@", max_replacements=1)
        )
    # gmail ignores dots in the local part
    dots = rng.random(n) < p.email_gmail_dots
    if dots.any():
        dots &= pc.ends_with(out, "@gmail.com").to_numpy(zero_copy_only=False)

    def no_dots(s: pa.Array) -> pa.Array:
        parts = pc.split_pattern(s, "@", max_splits=1)
        return pc.binary_join_element_wise(
            pc.replace_substring(pc.list_element(parts, 0), ".", ""), pc.list_element(parts, 1), "@"
        )

    out = patch(out, dots, no_dots)
    # domain typos
    typo = rng.random(n) < p.email_typo
    which = rng.integers(0, len(catalog.DOMAIN_TYPOS), n)
    for k, (good, bad) in enumerate(catalog.DOMAIN_TYPOS):
        out = patch(
            out, typo & (which == k), lambda s, good=good, bad=bad: pc.replace_substring(s, "@" + good, "@" + bad)
        )
    # case
    u = rng.random(n)
    out = patch(out, u < p.email_case * 0.5, pc.utf8_title)
    out = patch(out, (u >= p.email_case * 0.5) & (u < p.email_case * 0.75), pc.utf8_upper)
    out = patch(out, (u >= p.email_case * 0.75) & (u < p.email_case), pc.utf8_capitalize)
    # blanks
    u = rng.random(n)
    out = patch(out, u < p.email_whitespace * 0.5, lambda s: pc.binary_join_element_wise(" ", s, ""))
    out = patch(
        out,
        (u >= p.email_whitespace * 0.5) & (u < p.email_whitespace),
        lambda s: pc.binary_join_element_wise(s, " ", ""),
    )
    return out


def placeholders(rng: np.random.Generator, values: pa.Array, rate: float, choices) -> pa.Array:
    """Replace a share of the values by placeholders that identify nobody."""
    m = rng.random(len(values)) < rate
    k = int(m.sum())
    fake = pa.array(np.array(choices, dtype=object)[rng.integers(0, len(choices), k)], pa.string())
    return patch(values, m, lambda s: fake)


# --- phones -----------------------------------------------------------------------------


def phone_numbers(rng: np.random.Generator, country: np.ndarray) -> np.ndarray:
    """10 significant digits: NANP (area and exchange 200-999) or a UK mobile (7xxx...)."""
    n = len(country)
    area = rng.integers(201, 990, n)
    exch = rng.integers(200, 1000, n)
    line = rng.integers(0, 10000, n)
    nanp = area * 10_000_000 + exch * 10_000 + line
    uk = 7_000_000_000 + rng.integers(100_000_000, 1_000_000_000, n)
    return np.where(country == "GB", uk, nanp).astype(np.int64)


def format_phones(rng: np.random.Generator, digits: np.ndarray, country: np.ndarray, weights) -> pa.Array:
    """Free-text phone numbers in one of eight NANP formats (weights) or one of four UK formats."""
    n = len(digits)
    uk = np.asarray(country) == "GB"
    fmt = np.where(uk, 8 + rng.integers(0, 4, n), pick(rng, n, weights))
    j = pc.binary_join_element_wise

    def make(g: int, rows: np.ndarray) -> pa.Array:
        s = pc.utf8_lpad(pc.cast(pa.array(digits[rows]), pa.string()), 10, "0")
        a, x, ln = (pc.utf8_slice_codeunits(s, i, k) for i, k in ((0, 3), (3, 6), (6, 10)))
        head, tail = pc.utf8_slice_codeunits(s, 0, 4), pc.utf8_slice_codeunits(s, 4, 10)
        return [
            lambda: j("+1 (", a, ") ", x, "-", ln, ""),
            lambda: j(a, x, ln, "."),
            lambda: s,
            lambda: j("(", a, ") ", x, "-", ln, ""),
            lambda: j(a, x, ln, "-"),
            lambda: j("+1", s, ""),
            lambda: j("1-", a, "-", x, "-", ln, ""),
            lambda: j("+1 ", a, " ", x, " ", ln, ""),
            lambda: j("+44 ", head, " ", tail, ""),
            lambda: j("0", head, " ", tail, ""),
            lambda: j("+44", s, ""),
            lambda: j("0", s, ""),
        ][g]()

    return by_group(fmt, 12, make)
