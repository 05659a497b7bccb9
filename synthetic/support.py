"""Support: requesters, ticket snapshots, CSAT/effort surveys after tickets, in-app NPS.

Tickets come from a base rate (higher for unhappy persons) and from events elsewhere
(failed payments, late deliveries, returns, cancellations). How a ticket is handled -
first response time, resolution time, escalation, reopening, never resolved - is the
experience: it moves satisfaction and the survey scores that may follow. A ticket is
delivered when opened, again when first answered on a later day (pending), when solved,
and when closed.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from synthetic import catalog, noise
from synthetic import contract as c
from synthetic.identities import Identities, requester_columns
from synthetic.params import NoiseProfile, Rates
from synthetic.simulation import INVOLUNTARY, Incidents, State
from synthetic.world import DAY, World, times_on
from synthetic.writers import LandingWriter

CATS = catalog.TICKET_CATEGORIES
CANCELLATION = CATS.index("cancellation")
PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_CHANNELS = ("email", "phone", "chat", "web")
STATUSES = ("open", "pending", "solved", "closed")
SURVEY_TYPES = ("nps", "csat", "effort")
TONES = ("negative", "neutral", "positive")
SUBJECTS = [s for cat in CATS for s in catalog.TICKET_SUBJECTS[cat]]
SUBJECT_START = np.cumsum([0] + [len(catalog.TICKET_SUBJECTS[cat]) for cat in CATS])
COMMENTS = [s for tone in TONES for s in catalog.COMMENTS[tone]]
COMMENT_START = np.cumsum([0] + [len(catalog.COMMENTS[tone]) for tone in TONES])
# medians in hours
FIRST_RESPONSE_H = np.array([5.0, 0.05, 0.1, 8.0])  # by channel
RESOLUTION_H = np.array([20.0, 40.0, 60.0, 6.0, 3.0, 4.0])  # by category
PRIORITY_FACTOR = np.array([1.5, 1.0, 0.6, 0.3])


class Support:
    def __init__(
        self,
        world: World,
        ids: Identities,
        state: State,
        writer: LandingWriter,
        rates: Rates,
        rng: np.random.Generator,
        profile: NoiseProfile,
    ):
        self.w, self.ids, self.s, self.out, self.r, self.rng, self.p = world, ids, state, writer, rates, rng, profile
        self.requester = np.full(world.n, -1, dtype=np.int64)  # requester number per person
        self.req_person: list[np.ndarray] = []
        self.req_num: list[np.ndarray] = []
        self.n_requesters = 0
        self.seq = {"ticket": 0, "survey": 0}

    def _next(self, kind: str, m: int) -> np.ndarray:
        first = self.seq[kind] + 1
        self.seq[kind] += m
        return np.arange(first, first + m, dtype=np.int64)

    def person_map(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.req_person:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(self.req_person), np.concatenate(self.req_num)

    def step(self, t: int) -> None:
        start = self.s.day_start(t)
        if t == 0:
            hist = np.nonzero(self.w.exists(self.w.requester_ts))[0]
            self._new_requesters(t, hist, self.w.requester_ts[hist])
        t_person, t_ts, t_cat = self._ticket_demand(t, start)
        n_person, n_ts = self._nps_demand(t, start)
        # everyone who reaches support today needs a requester record first
        who = np.concatenate([t_person, n_person])
        when = np.concatenate([t_ts, n_ts])
        new = self.requester[who] < 0
        if new.any():
            order = np.lexsort((when[new], who[new]))
            p_sorted, ts_sorted = who[new][order], when[new][order]
            first = np.concatenate([[True], p_sorted[1:] != p_sorted[:-1]])
            self._new_requesters(t, p_sorted[first], ts_sorted[first] - 30)
        self._tickets(t, start, t_person, t_ts, t_cat)
        self._nps(t, n_person, n_ts)

    def _new_requesters(self, t: int, person: np.ndarray, created: np.ndarray) -> None:
        order = np.lexsort((person, created))
        person, created = person[order], created[order]
        m = len(person)
        if m == 0:
            return
        num = np.arange(self.n_requesters + 1, self.n_requesters + m + 1)
        self.n_requesters += m
        self.requester[person] = num
        self.req_person.append(person)
        self.req_num.append(num)
        cols = requester_columns(self.rng, self.w, self.ids, person, created, self.p)
        crm = cols.pop("crm_num")
        tbl = c.table(
            "support",
            "requesters",
            requester_id=c.ids("RQ", num, 8),
            crm_id=c.ids("CRM", crm, 8, valid=crm > 0),
            created_at=created,
            **cols,
        )
        self.out.emit("support", "requesters", tbl, t)

    # -- demand ---------------------------------------------------------------------------------
    def _ticket_demand(self, t: int, start: int):
        rng, s, r, w = self.rng, self.s, self.r, self.w
        customer = (self.ids.crm_row >= 0) | (self.ids.account_row >= 0)
        weekend = 0.6 if s.weekday(t) >= 5 else 1.0
        shipping = Incidents.active(s.incidents.shipping, t)
        lam = (
            r.ticket_rate
            * w.ticket_propensity
            * weekend
            * (1.0 + 2.0 * (s.sat < 0.45))
            * np.where(customer, 1.0, 0.3)
            * np.where(s.churned, 0.1, 1.0)
            * s.joined
        )
        if shipping:
            lam = lam * 1.6
        person = np.nonzero(rng.random(w.n) < lam)[0]
        cat_w = np.array([0.12, 0.20, 0.12, 0.16, 0.37, 0.03])
        if shipping:
            cat_w[1] *= 4
        cat = noise.pick(rng, len(person), cat_w)
        ts = times_on(rng, start, len(person))
        # triggered by events in other departments
        q = s.ticket_q.pop(t)
        if q is not None:
            ok = s.joined[q["person"]] | (w.signup_ts[q["person"]] < q["ts"])
            person = np.concatenate([person, q["person"][ok]])
            ts = np.concatenate([ts, q["ts"][ok]])
            cat = np.concatenate([cat, q["category"][ok]])
        # some customers who leave tell support first
        churners = s.churned_today
        churners = churners[(s.churn_reason[churners] != INVOLUNTARY) & (rng.random(len(churners)) < 0.3)]
        cts = np.maximum(s.churn_ts[churners] - rng.integers(600, 4 * 3600, len(churners)), start)
        person = np.concatenate([person, churners])
        ts = np.concatenate([ts, cts])
        cat = np.concatenate([cat, np.full(len(churners), CANCELLATION)])
        ts = np.clip(ts, start, start + DAY - 120)
        return person.astype(np.int64), ts.astype(np.int64), cat.astype(np.int64)

    def _nps_demand(self, t: int, start: int):
        rng, s, r, w = self.rng, self.s, self.r, self.w
        customer = (w.crm_ts < start) | (w.billing_ts < start)
        customer &= (w.crm_ts != c.NO_TS) | (w.billing_ts != c.NO_TS)
        p = r.nps_rate * customer * s.joined * np.where(s.churned, 0.2, 1.0)
        person = np.nonzero(rng.random(w.n) < p)[0]
        return person, times_on(rng, start, len(person))

    # -- tickets --------------------------------------------------------------------------------
    def _tickets(self, t: int, start: int, person, opened, cat) -> None:
        rng, s, w = self.rng, self.s, self.w
        m = len(person)
        if m == 0:
            return
        num = self._next("ticket", m)
        priority = noise.pick(rng, m, [0.2, 0.55, 0.18, 0.07])
        priority = np.where(
            (cat == 0) | (cat == 3), np.maximum(priority, noise.pick(rng, m, [0.3, 0.4, 0.2, 0.1])), priority
        )
        channel = noise.pick(rng, m, [0.4, 0.25, 0.25, 0.1])
        subject = SUBJECT_START[cat] + (rng.random(m) * (SUBJECT_START[cat + 1] - SUBJECT_START[cat])).astype(np.int64)
        staffing = 3.0 if Incidents.active(s.incidents.staffing, t) else 1.0
        weekend = (s.weekday(t) >= 5) & (channel != 1) & (channel != 2)
        fr_h = (
            FIRST_RESPONSE_H[channel] * rng.lognormal(0, 0.9, m) * PRIORITY_FACTOR[priority] * staffing + 24 * weekend
        )
        escalated = rng.random(m) < 0.05 + 0.12 * (cat == 2) + 0.1 * (priority == 3)
        res_h = RESOLUTION_H[cat] * rng.lognormal(0, 1.0, m) * np.where(escalated, 2.5, 1.0)
        reopened = np.where(rng.random(m) < 0.07, 1 + (rng.random(m) < 0.15), 0)
        res_h = res_h + reopened * rng.lognormal(np.log(24), 0.6, m)
        unresolved = rng.random(m) < 0.03 + 0.05 * (staffing > 1)
        first_resp = opened + 60 + (fr_h * 3600).astype(np.int64)
        resolved = np.where(unresolved, c.NO_TS, first_resp + 60 + (res_h * 3600).astype(np.int64))
        d0 = np.full(m, t)
        d_fr = w.day_of(first_resp)
        d_res = np.where(unresolved, np.iinfo(np.int64).max // 4, w.day_of(np.where(unresolved, 0, resolved)))
        base = dict(
            ticket_id=c.ids("T", num, 9),
            requester_id=c.ids("RQ", self.requester[person], 8),
            category=c.categories(cat, CATS),
            priority=c.categories(priority, PRIORITIES),
            channel=c.categories(channel, TICKET_CHANNELS),
            subject=c.categories(subject, SUBJECTS),
            opened_at=c.ts(opened),
        )
        no_ts = np.full(m, c.NO_TS)
        zeros = np.zeros(m, dtype=np.int64)
        # opened (unless solved the same day)
        sel = d_res > d0
        fr_today = d_fr == d0
        self._snapshot(
            base,
            sel,
            0,
            np.where(fr_today, first_resp, no_ts),
            no_ts,
            np.zeros(m, bool),
            zeros,
            np.where(fr_today, first_resp, opened),
            d0,
        )
        # first answered on a later day, not yet solved: pending
        sel = (d_fr > d0) & (d_fr < d_res)
        self._snapshot(base, sel, 1, first_resp, no_ts, escalated & (rng.random(m) < 0.5), zeros, first_resp, d_fr)
        # solved
        sel = ~unresolved
        self._snapshot(base, sel, 2, first_resp, resolved, escalated, reopened, resolved, d_res)
        # closed a few days later
        closed_ts = resolved + rng.integers(4 * DAY, 8 * DAY, m)
        sel = ~unresolved & (rng.random(m) < 0.6)
        self._snapshot(base, sel, 3, first_resp, resolved, escalated, reopened, closed_ts, w.day_of(closed_ts))
        # the experience
        badness = (
            0.5 * (fr_h > 24)
            + 0.5 * (fr_h > 72)
            + 0.6 * escalated
            + 0.5 * reopened
            + 0.4 * ((fr_h + res_h) > 7 * 24)
            + 1.2 * unresolved
        )
        exp_day = np.where(unresolved, t + 7, d_res)
        s.add_sat(exp_day, person, 0.03 - 0.08 * badness)
        self._ticket_surveys(person, num, resolved, unresolved, badness)

    def _snapshot(self, base, sel, status, first_resp, resolved, escalated, reopened, updated, day) -> None:
        if not sel.any():
            return
        keep = pa.array(sel)
        cols = {k: v.filter(keep) for k, v in base.items()}
        tbl = c.table(
            "support",
            "tickets",
            status=c.categories(np.full(int(sel.sum()), status), STATUSES),
            first_response_at=first_resp[sel],
            resolved_at=resolved[sel],
            escalated=escalated[sel],
            reopened_count=reopened[sel],
            updated_at=updated[sel],
            **cols,
        )
        self.out.emit("support", "tickets", tbl, day[sel])

    # -- surveys --------------------------------------------------------------------------------
    def _ticket_surveys(self, person, ticket, resolved, unresolved, badness) -> None:
        rng, s, r = self.rng, self.s, self.r
        respond = ~unresolved & (rng.random(len(person)) < r.csat_response * np.where(badness > 1, 1.5, 1.0))
        idx = np.nonzero(respond)[0]
        m = len(idx)
        if m == 0:
            return
        quality = np.exp(-0.9 * badness[idx])
        sat = s.sat[person[idx]]
        submitted = resolved[idx] + 300 + np.minimum(rng.exponential(18 * 3600, m), 4 * DAY).astype(np.int64)
        csat = np.clip(np.round(1 + 4 * np.clip(0.5 * sat + 0.5 * quality + rng.normal(0, 0.1, m), 0, 1)), 1, 5)
        effort = np.clip(np.round(1 + 6 * np.clip(0.3 * sat + 0.7 * quality + rng.normal(0, 0.12, m), 0, 1)), 1, 7)
        with_effort = rng.random(m) < r.effort_given_csat
        rows = np.concatenate([idx, idx[with_effort]])
        kind = np.concatenate([np.full(m, 1), np.full(int(with_effort.sum()), 2)])
        score = np.concatenate([csat, effort[with_effort]]).astype(np.int64)
        tone = np.where(kind == 1, np.digitize(score, [3, 4]), np.digitize(score, [4, 6]))
        ts = np.concatenate([submitted, submitted[with_effort] + rng.integers(5, 120, int(with_effort.sum()))])
        comment_p = np.where(kind == 1, 0.45, 0.1)
        self._emit_surveys(person[rows], ticket[rows], kind, score, tone, comment_p, ts)

    def _nps(self, t: int, person, ts) -> None:
        rng, s = self.rng, self.s
        m = len(person)
        if m == 0:
            return
        score = np.clip(np.round(2 + 9 * s.sat[person] + rng.normal(0, 1.2, m)), 0, 10).astype(np.int64)
        tone = np.digitize(score, [7, 9])
        self._emit_surveys(person, np.full(m, -1), np.zeros(m, np.int64), score, tone, np.full(m, 0.35), ts)

    def _emit_surveys(self, person, ticket, kind, score, tone, comment_p, ts) -> None:
        rng = self.rng
        m = len(person)
        comment = COMMENT_START[tone] + (rng.random(m) * (COMMENT_START[tone + 1] - COMMENT_START[tone])).astype(
            np.int64
        )
        has_comment = rng.random(m) < comment_p
        tbl = c.table(
            "support",
            "surveys",
            survey_id=c.ids("SV", self._next("survey", m), 9),
            requester_id=c.ids("RQ", self.requester[person], 8),
            ticket_id=c.ids("T", ticket, 9, valid=ticket > 0),
            survey_type=c.categories(kind, SURVEY_TYPES),
            score=score,
            comment=c.categories(comment, COMMENTS, valid=has_comment),
            submitted_at=ts,
        )
        self.out.emit("support", "surveys", tbl, self.w.day_of(ts))
