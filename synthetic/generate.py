"""Seeded generator of the landing zone and its ground truth.

    python -m synthetic.generate --out data --persons 10000 --days 180 --start 2026-01-01 --seed 42

Writes ``<out>/landing/<source>/<entity>/<YYYY-MM-DD>.<ext>`` following
config/landing_contract.yml and ``<out>/ground_truth/{person_map,persons,offer_affinity}.parquet``.
Both folders are replaced on every run. Same arguments give byte-identical files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa

from synthetic import catalog
from synthetic import contract as c
from synthetic.finance import Finance
from synthetic.identities import SYSTEMS, build_identities
from synthetic.marketing import Marketing, offer_affinity
from synthetic.params import PROFILES, RATES
from synthetic.sales import Sales
from synthetic.simulation import Incidents, State
from synthetic.support import Support
from synthetic.world import DAY, World, build_world
from synthetic.writers import LandingWriter, write_ground_truth


def _rng(seed: int, stream: str) -> np.random.Generator:
    """An independent, reproducible random stream per part of the generator."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode())])


def _log(msg: str, t0: float) -> None:
    print(f"[synthetic {time.perf_counter() - t0:7.1f}s] {msg}", file=sys.stderr, flush=True)


def generate(
    out_dir: Path, persons: int, days: int, start: dt.date, seed: int, noise: str = "default", quiet: bool = False
) -> dict[str, int]:
    """Generate the landing zone and ground truth; returns rows written per ``source.entity``."""
    if noise not in PROFILES:
        raise ValueError(f"noise must be one of {sorted(PROFILES)}")
    if persons < 1 or days < 1:
        raise ValueError("persons and days must be positive")
    t0 = time.perf_counter()
    log = (lambda msg: None) if quiet else (lambda msg: _log(msg, t0))
    out_dir = Path(out_dir)
    for sub in ("landing", "ground_truth"):
        if (out_dir / sub).exists():
            shutil.rmtree(out_dir / sub)
    profile, rates = PROFILES[noise], RATES

    log(f"world: {persons:,} persons, {days} days from {start}, seed {seed}, noise {noise}")
    world = build_world(_rng(seed, "world"), persons, days, start, profile, rates)
    log("identities: per-system records with noise")
    ids = build_identities(_rng(seed, "identities"), world, profile)
    affinity = offer_affinity(_rng(seed, "affinity"), world)
    log(
        f"identities: {len(ids.contacts):,} contacts, {len(ids.customers):,} CRM customers, "
        f"{len(ids.accounts):,} billing accounts"
    )

    writer = LandingWriter(out_dir, start, days)
    state = State(world, rates, _rng(seed, "state"), Incidents.draw(_rng(seed, "incidents"), days))
    finance = Finance(world, ids, state, writer, rates, _rng(seed, "finance"))
    sales = Sales(world, ids, state, writer, rates, _rng(seed, "sales"))
    marketing = Marketing(
        world, ids, state, writer, rates, _rng(seed, "marketing"), affinity, finance, sales.crm_created_ts,
        explore_rng=_rng(seed, "explore"),
    )
    support = Support(world, ids, state, writer, rates, _rng(seed, "support"), profile)

    log("simulating and writing day by day")
    every = max(1, days // 10)
    for t in range(days):
        state.begin_day(t)
        marketing.step(t)
        sales.step(t)
        finance.step(t)
        support.step(t)
        writer.flush(t)
        if (t + 1) % every == 0 or t + 1 == days:
            log(
                f"  day {t + 1}/{days} ({start + dt.timedelta(days=t)}) {100 * (t + 1) // days}%"
                f" rows so far {sum(writer.rows.values()):,}"
            )
    writer.close()

    log("ground truth")
    write_ground_truth(
        out_dir,
        {
            "person_map": _person_map(world, ids, support),
            "persons": _persons(world, state),
            "offer_affinity": _affinity(affinity),
        },
    )
    counts = {f"{s}.{e}": n for (s, e), n in writer.rows.items()}
    for (s, e), n in writer.rows.items():
        log(
            f"  {s}.{e:<20} {n:>11,} rows {writer.files[(s, e)]:>4} files"
            f" {writer.late_rows[(s, e)]:>8,} late {writer.dropped[(s, e)]:>8,} not landed"
        )
    log(f"done: {sum(counts.values()):,} rows in {out_dir / 'landing'}")
    return counts


def _person_map(world: World, ids, support: Support) -> pa.Table:
    req_person, req_num = support.person_map()
    parts = [
        (0, "MC", 8, ids.contacts.person, ids.contacts.num),
        (1, "CRM", 8, ids.customers.person, ids.customers.num),
        (2, "RQ", 8, req_person, req_num),
        (3, "BA", 8, ids.accounts.person, ids.accounts.num),
    ]
    systems, record_ids, person_ids = [], [], []
    for system, prefix, width, person, num in parts:
        systems.append(c.categories(np.full(len(person), system), SYSTEMS))
        record_ids.append(c.ids(prefix, num, width))
        person_ids.append(pa.array(person.astype(np.int64) + 1))
    return pa.table(
        {
            "source_system": pa.concat_arrays(systems),
            "source_record_id": pa.concat_arrays(record_ids),
            "person_id": pa.concat_arrays(person_ids),
        }
    )


def _dates(ts: np.ndarray) -> pa.Array:
    valid = ts != c.NO_TS
    days = np.where(valid, np.floor_divide(ts, DAY), 0).astype(np.int32)
    return pa.array(days, pa.date32(), mask=~valid)


def _persons(world: World, state: State) -> pa.Table:
    churn_ts = np.where(state.churned, state.churn_ts, c.NO_TS)
    reason = np.array(["", "voluntary", "payment_failure"], dtype=object)[state.churn_reason]
    return pa.table(
        {
            "person_id": pa.array(np.arange(1, world.n + 1, dtype=np.int64)),
            "signup_date": _dates(world.signup_ts),
            "churn_date": _dates(churn_ts),
            "churn_reason": pa.array(reason, pa.string(), mask=state.churn_reason == 0),
            "satisfaction": pa.array(np.round(world.satisfaction, 4)),
            "satisfaction_end": pa.array(np.round(state.sat, 4)),
            "engagement_propensity": pa.array(np.round(world.engagement, 4)),
            "value_segment": c.categories(world.value_segment, ("low", "mid", "high")),
            "price_sensitivity": pa.array(np.round(world.price_sensitivity, 4)),
            "payment_risk": pa.array(np.round(world.payment_risk, 4)),
            "preferred_category": c.categories(world.category_pref.argmax(axis=1), catalog.CATEGORIES),
            "country": pa.array(world.country, pa.string()),
            "household_person_id": pa.array(world.household_of + 1, pa.int64(), mask=world.household_of < 0),
        }
    )


def _affinity(affinity: np.ndarray) -> pa.Table:
    n, k = affinity.shape
    offer_ids = np.array([o[0] for o in catalog.OFFERS])
    return pa.table(
        {
            "person_id": pa.array(np.repeat(np.arange(1, n + 1, dtype=np.int64), k)),
            "offer_id": c.categories(np.tile(np.arange(k), n), offer_ids),
            "accept_probability": pa.array(np.round(affinity.ravel(), 4)),
        }
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m synthetic.generate", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--out", type=Path, default=Path("data"), help="output folder (landing/ and ground_truth/ are replaced)"
    )
    ap.add_argument("--persons", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2026, 1, 1))
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--noise", choices=sorted(PROFILES), default="default")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    a = ap.parse_args(argv)
    generate(a.out, a.persons, a.days, a.start, a.seed, a.noise, quiet=a.quiet)


if __name__ == "__main__":
    main()
