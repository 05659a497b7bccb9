"""The day-by-day simulation: shared person state, satisfaction, churn and queues.

Every day, :meth:`State.begin_day` updates each person's latent satisfaction (pulled back
toward the baseline, pushed down by the bad experiences scheduled for that day), turns
planned churns into churn, and lets the churn hazard (higher when satisfaction is low)
start new "intents to leave". The engagement multiplier that drives all customer-chosen
activity follows from satisfaction and that phase. The departments (marketing, sales,
finance, support) then produce the day's records, and talk to each other through
day-keyed queues (e.g. a failed payment triggers a billing ticket).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from synthetic import world as world_mod
from synthetic.contract import NO_TS
from synthetic.params import Rates
from synthetic.world import DAY, World

NEVER = np.iinfo(np.int64).max // 4
VOLUNTARY, INVOLUNTARY = 1, 2


class DayQueue:
    """Arrays of future work grouped by the day they are due."""

    def __init__(self) -> None:
        self._by_day: dict[int, list[dict[str, np.ndarray]]] = {}

    def push(self, days, **arrays) -> None:
        days = np.asarray(days, dtype=np.int64)
        n = max((len(v) for v in arrays.values()), default=0)
        if n == 0:
            return
        days = np.broadcast_to(days, (n,))
        order = np.argsort(days, kind="stable")
        sorted_days = days[order]
        arrays = {k: np.asarray(v)[order] for k, v in arrays.items()}
        uniq, starts = np.unique(sorted_days, return_index=True)
        ends = np.append(starts[1:], n)
        for d, s, e in zip(uniq.tolist(), starts.tolist(), ends.tolist(), strict=True):
            self._by_day.setdefault(d, []).append({k: v[s:e] for k, v in arrays.items()})

    def pop(self, day: int) -> dict[str, np.ndarray] | None:
        parts = self._by_day.pop(day, None)
        if not parts:
            return None
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


@dataclass(frozen=True)
class Incidents:
    """Company-wide bad periods (day ranges, half-open) that show up as trends."""

    shipping: tuple[int, int]  # carrier problems: late deliveries, delivery tickets
    staffing: tuple[int, int]  # support understaffed: slow first responses
    billing: tuple[int, int]  # payment provider outage: failed payments

    @staticmethod
    def draw(rng: np.random.Generator, days: int) -> Incidents:
        def window(center: float, length: int) -> tuple[int, int]:
            s = int(days * center + rng.integers(-3, 4))
            s = min(max(s, 0), max(days - 1, 0))
            return s, s + length

        return Incidents(shipping=window(0.55, 10), staffing=window(0.3, 14), billing=window(0.8, 4))

    @staticmethod
    def active(window: tuple[int, int], t: int) -> bool:
        return window[0] <= t < window[1]


class State:
    def __init__(self, world: World, rates: Rates, rng: np.random.Generator, incidents: Incidents):
        n = world.n
        self.world = world
        self.rates = rates
        self.rng = rng
        self.incidents = incidents
        self.t = -1
        self.sat = world.satisfaction.copy()
        self.intent_day = np.full(n, -1, dtype=np.int64)
        self.churn_plan = np.full(n, NEVER, dtype=np.int64)
        self.churned = np.zeros(n, dtype=bool)
        self.churn_ts = np.full(n, NO_TS, dtype=np.int64)
        self.churn_reason = np.zeros(n, dtype=np.int8)
        self.last_order_day = np.full(n, -NEVER, dtype=np.int64)
        self.eng = np.zeros(n)
        # when the last system that will know the person creates its record
        self.onboarded_ts = np.maximum(np.maximum(world.crm_ts, world.billing_ts), world.signup_ts)
        self.joined = np.zeros(n, dtype=bool)
        self.churned_today = np.zeros(0, dtype=np.int64)
        # queues between departments
        self.sat_q = DayQueue()  # person, delta
        self.churn_q = DayQueue()  # person, ts (involuntary churn after failed payments)
        self.ticket_q = DayQueue()  # person, ts, category: tickets triggered by events
        self.order_q = DayQueue()  # person, ts, category: orders following an accepted offer

    # -- calendar -------------------------------------------------------------------------
    def day_start(self, t: int) -> int:
        return self.world.start_epoch + t * DAY

    def weekday(self, t: int) -> int:
        return (self.world.start + dt.timedelta(days=t)).weekday()

    def date(self, t: int) -> dt.date:
        return self.world.start + dt.timedelta(days=t)

    # -- hooks for departments ------------------------------------------------------------
    def add_sat(self, days, person, delta) -> None:
        """Change satisfaction on a day (applied at the start of that day, at the earliest tomorrow)."""
        days = np.maximum(np.asarray(days, dtype=np.int64), self.t + 1)
        person = np.asarray(person)
        self.sat_q.push(days, person=person, delta=np.broadcast_to(np.asarray(delta, dtype=np.float64), person.shape))

    def trigger_ticket(self, ts, person, category: int | np.ndarray) -> None:
        ts = np.asarray(ts, dtype=np.int64)
        person = np.asarray(person)
        cat = np.broadcast_to(np.asarray(category, dtype=np.int64), person.shape)
        self.ticket_q.push(self.world.day_of(ts), person=person, ts=ts, category=cat)

    def save(self, person: np.ndarray) -> None:
        """A retention offer changed the mind of persons who intended to leave."""
        person = person[~self.churned[person]]
        self.intent_day[person] = -1
        self.churn_plan[person] = NEVER

    # -- the day --------------------------------------------------------------------------
    def begin_day(self, t: int) -> None:
        self.t = t
        w, r, rng = self.world, self.rates, self.rng
        start = self.day_start(t)
        self.joined = w.signup_ts < start
        # satisfaction: mean reversion, noise, scheduled experiences
        self.sat += r.sat_reversion * (w.satisfaction - self.sat) + rng.normal(0.0, r.sat_noise, w.n)
        q = self.sat_q.pop(t)
        if q is not None:
            np.add.at(self.sat, q["person"], q["delta"])
        np.clip(self.sat, 0.0, 1.0, out=self.sat)
        # churn: planned (voluntary) and after failed payments (involuntary)
        voluntary = np.nonzero((self.churn_plan == t) & ~self.churned)[0]
        ts = world_mod.times_on(rng, start, len(voluntary), business=True)
        self._churn(voluntary, ts, VOLUNTARY)
        q = self.churn_q.pop(t)
        if q is not None:
            person, first = np.unique(q["person"], return_index=True)
            keep = ~self.churned[person]
            self._churn(person[keep], q["ts"][first][keep], INVOLUNTARY)
        self.churned_today = np.nonzero(self.churned & (self.churn_ts >= start) & (self.churn_ts < start + DAY))[0]
        # new intents to leave: hazard grows as satisfaction falls
        # (only once every system that will know the person does: churn ends the relationship)
        at_risk = self.joined & (self.onboarded_ts < start) & ~self.churned & (self.intent_day < 0)
        hazard = r.churn_base * np.exp(r.churn_sat_slope * (0.65 - self.sat)) * np.where(w.value_segment == 2, 0.7, 1.0)
        new = at_risk & (rng.random(w.n) < hazard)
        self.intent_day[new] = t
        self.churn_plan[new] = t + rng.integers(r.churn_notice_days[0], r.churn_notice_days[1], int(new.sum()))
        # engagement multiplier for customer-chosen activity
        phase = np.where(self.churned, 0.03, np.where(self.intent_day >= 0, 0.35, 1.0))
        self.eng = w.engagement * (0.25 + 1.5 * self.sat) * phase * self.joined

    def _churn(self, person: np.ndarray, ts: np.ndarray, reason: int) -> None:
        self.churned[person] = True
        self.churn_ts[person] = ts
        self.churn_reason[person] = reason
        self.churn_plan[person] = NEVER


def late_days(rng: np.random.Generator, event_day: np.ndarray, rates: Rates) -> np.ndarray:
    """Landing day of event records: the event day, or 1-5 days later for a few (late data)."""
    event_day = np.asarray(event_day, dtype=np.int64)
    late = rng.random(len(event_day)) < rates.late_share
    return event_day + np.where(late, rng.integers(1, rates.late_max_days + 1, len(event_day)), 0)
