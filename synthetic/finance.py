"""Finance: billing accounts, subscriptions, monthly invoices and payment attempts.

A subscription starts with its account and is delivered again when it changes (upgrade
after an accepted offer, cancellation at churn). Invoices are issued monthly on the
account's billing day; payments mostly succeed, some fail and are retried a few days later
(failures lower satisfaction and sometimes open a billing ticket; three failures end the
subscription), some are paid after the due date.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from synthetic import catalog
from synthetic import contract as c
from synthetic.identities import Identities
from synthetic.params import Rates
from synthetic.simulation import Incidents, State, late_days
from synthetic.world import DAY, World
from synthetic.writers import LandingWriter

METHODS = ("card", "direct_debit", "bank_transfer")
PAY_STATUS = ("succeeded", "failed")
SUB_STATUS = ("active", "cancelled")
MRR = np.array(catalog.PLAN_MRR)
BILLING = catalog.TICKET_CATEGORIES.index("billing")


class Finance:
    def __init__(
        self, world: World, ids: Identities, state: State, writer: LandingWriter, rates: Rates, rng: np.random.Generator
    ):
        self.w, self.ids, self.s, self.out, self.r, self.rng = world, ids, state, writer, rates, rng
        ac = ids.accounts
        self.ac = ac
        n = len(ac)
        self.plan = ac.extra["plan"].astype(np.int64)
        self.started = ac.created_ts + rng.integers(60, 600, n)
        hist = self.started < world.start_epoch
        span = np.maximum(world.start_epoch - self.started, 1)
        self.updated = np.where(hist, self.started + (rng.random(n) * span).astype(np.int64), self.started)
        self.active = np.zeros(n, dtype=bool)
        self.cancelled_at = np.full(n, c.NO_TS, dtype=np.int64)
        self.person_plan = np.full(world.n, -1, dtype=np.int64)  # plan of the active subscription
        self.start_day = world.day_of(self.started)  # negative for subscriptions before the start
        self._upgrades: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.seq = {"invoice": 0, "payment": 0}

    # -- used by other departments ------------------------------------------------------------
    def current_plan(self, person: np.ndarray) -> np.ndarray:
        """Plan index of each person's active subscription (-1 = none)."""
        return self.person_plan[person]

    def upgrade(self, person: np.ndarray, plan: int, ts: np.ndarray) -> None:
        rows = self.ids.account_row[person]
        ok = rows >= 0
        rows, ts = rows[ok], ts[ok]
        ok = self.active[rows] & (self.plan[rows] < plan)
        if ok.any():
            self._upgrades.append((rows[ok], np.full(int(ok.sum()), plan), ts[ok]))

    # -- the day -----------------------------------------------------------------------------------
    def _next(self, kind: str, m: int) -> np.ndarray:
        first = self.seq[kind] + 1
        self.seq[kind] += m
        return np.arange(first, first + m, dtype=np.int64)

    def step(self, t: int) -> None:
        start = self.s.day_start(t)
        ac = self.ac
        lo = 0 if t == 0 else int(np.searchsorted(ac.created_ts, start))
        hi = int(np.searchsorted(ac.created_ts, start + DAY))
        new = np.arange(lo, hi)
        if len(new):
            self._emit_accounts(new, t)
            self.active[new] = True
            self.person_plan[ac.person[new]] = self.plan[new]
        # one snapshot per subscription and day: new ones and those that changed today
        changed = self._changes(start)
        if len(new) or len(changed):
            self._emit_subscriptions(np.unique(np.concatenate([new, changed])), t)
        self._invoices(t, start)

    def _emit_accounts(self, rows: np.ndarray, t: int) -> None:
        ac = self.ac
        idx = pa.array(rows)
        link = ac.extra["crm_link"][rows]
        crm_num = self.ids.crm_row[ac.person[rows]] + 1
        tbl = c.table(
            "finance",
            "billing_accounts",
            account_id=c.ids("BA", ac.num[rows], 8),
            crm_id=c.ids("CRM", crm_num, 8, valid=link),
            created_at=ac.created_ts[rows],
            **{k: v.take(idx) for k, v in ac.cols.items()},
        )
        self.out.emit("finance", "billing_accounts", tbl, t)

    def _emit_subscriptions(self, rows: np.ndarray, t: int) -> None:
        tbl = c.table(
            "finance",
            "subscriptions",
            subscription_id=c.ids("SUB", self.ac.num[rows], 8),
            account_id=c.ids("BA", self.ac.num[rows], 8),
            plan=c.categories(self.plan[rows], catalog.PLANS),
            mrr=MRR[self.plan[rows]],
            status=c.categories(np.where(self.active[rows], 0, 1), SUB_STATUS),
            started_at=self.started[rows],
            cancelled_at=self.cancelled_at[rows],
            updated_at=self.updated[rows],
        )
        self.out.emit("finance", "subscriptions", tbl, t)

    def _changes(self, start: int) -> np.ndarray:
        """Apply the day's upgrades and cancellations; returns the changed rows."""
        changed = []
        for rows, plan, ts in self._upgrades:
            ts = np.minimum(ts, start + DAY - 1)
            self.plan[rows] = plan
            self.updated[rows] = np.maximum(ts, self.updated[rows] + 1)
            self.person_plan[self.ac.person[rows]] = plan
            changed.append(rows)
        self._upgrades = []
        churners = self.s.churned_today
        rows = self.ids.account_row[churners]
        rows = rows[rows >= 0]
        rows = rows[self.active[rows]]
        if len(rows):
            ts = np.maximum(self.s.churn_ts[self.ac.person[rows]], self.updated[rows] + 1)
            self.active[rows] = False
            self.cancelled_at[rows] = ts
            self.updated[rows] = ts
            self.person_plan[self.ac.person[rows]] = -1
            changed.append(rows)
        return np.concatenate(changed) if changed else np.zeros(0, dtype=np.int64)

    def _invoices(self, t: int, start: int) -> None:
        rng, r = self.rng, self.r
        dom = self.s.date(t).day
        due = self.active & ((self.start_day == t) | ((self.start_day < t) & (self.ac.extra["bill_dom"] == dom)))
        rows = np.nonzero(due)[0]
        issued = np.where(
            self.start_day[rows] == t,
            np.minimum(self.started[rows] + rng.integers(60, 3600, len(rows)), start + DAY - 1),
            start + 3600 + rng.integers(0, 3600, len(rows)),
        )
        amount = MRR[self.plan[rows]]
        # a few one-off invoices (hardware financing, late fees) without a subscription
        known = int(np.searchsorted(self.ac.created_ts, start))
        extra = np.nonzero(rng.random(known) < r.one_off_invoice)[0]
        rows = np.concatenate([rows, extra])
        issued = np.concatenate([issued, start + rng.integers(8 * 3600, 18 * 3600, len(extra))])
        amount = np.concatenate([amount, np.array([49.0, 99.0, 149.0])[rng.integers(0, 3, len(extra))]])
        with_sub = np.arange(len(rows)) < len(rows) - len(extra)
        m = len(rows)
        if m == 0:
            return
        inv = self._next("invoice", m)
        due_day = self.w.day_of(issued) + r.due_days
        tbl = c.table(
            "finance",
            "invoices",
            invoice_id=c.ids("INV", inv, 9),
            account_id=c.ids("BA", self.ac.num[rows], 8),
            subscription_id=c.ids("SUB", self.ac.num[rows], 8, valid=with_sub),
            issued_at=issued,
            due_date=self.w.start_epoch // DAY + due_day,
            amount=amount,
            currency=np.full(m, "USD"),
        )
        self.out.emit("finance", "invoices", tbl, t)
        self._payments(t, inv, rows, issued, due_day, amount)

    def _payments(self, t, inv, rows, issued, due_day, amount) -> None:
        rng, r, s, w = self.rng, self.r, self.s, self.w
        m = len(rows)
        method = self.ac.extra["method"][rows]
        person = self.ac.person[rows]
        delay = np.select(
            [method == 0, method == 1],
            [rng.integers(60, 4 * 3600, m), rng.integers(2 * DAY, 3 * DAY, m)],
            (rng.gamma(2.0, 5.0, m) * DAY).astype(np.int64),
        )
        forgot = rng.random(m) < 0.03  # paid by hand after a reminder
        delay = np.where(forgot, (r.due_days + rng.integers(1, 11, m)) * DAY, delay)
        a1 = issued + delay
        risk = w.payment_risk[person]
        p_fail = (
            r.first_payment_failure * (0.4 + 4.5 * risk) * (3.0 if Incidents.active(s.incidents.billing, t) else 1.0)
        )
        fail1 = (method < 2) & (rng.random(m) < p_fail)
        a2 = a1 + rng.integers(2 * DAY, 5 * DAY, m)
        fail2 = fail1 & (rng.random(m) < r.retry_failure)
        a3 = a2 + rng.integers(3 * DAY, 5 * DAY, m)
        fail3 = fail2 & (rng.random(m) < 0.35)
        idx = np.concatenate([np.arange(m), np.nonzero(fail1)[0], np.nonzero(fail2)[0]])
        ts = np.concatenate([a1, a2[fail1], a3[fail2]])
        failed = np.concatenate([fail1, fail2[fail1], fail3[fail2]])
        k = len(idx)
        event_day = w.day_of(ts)
        tbl = c.table(
            "finance",
            "payments",
            payment_id=c.ids("PAY", self._next("payment", k), 10),
            invoice_id=c.ids("INV", inv[idx], 9),
            account_id=c.ids("BA", self.ac.num[rows[idx]], 8),
            attempted_at=ts,
            amount=amount[idx],
            status=c.categories(failed.astype(np.int64), PAY_STATUS),
            method=c.categories(method[idx], METHODS, valid=rng.random(k) > 0.02),
        )
        self.out.emit("finance", "payments", tbl, np.maximum(late_days(rng, event_day, r), t), event_day)
        # consequences: frustration, billing tickets, and after three failures the end
        fp, fday, fts = person[idx[failed]], event_day[failed], ts[failed]
        s.add_sat(fday, fp, -0.06)
        tick = rng.random(len(fp)) < 0.25
        s.trigger_ticket(
            np.minimum(
                fts[tick] + rng.integers(600, 6 * 3600, int(tick.sum())), (fday[tick] + 1) * DAY + w.start_epoch - 1
            ),
            fp[tick],
            BILLING,
        )
        end = np.nonzero(fail3)[0]
        end_ts = a3[end] + rng.integers(3600, 2 * DAY, len(end))
        s.churn_q.push(w.day_of(end_ts), person=person[end], ts=end_ts)
