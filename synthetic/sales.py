"""Sales: CRM customers, product catalog, orders with lines, returns.

Purchase rates follow the value segment and the engagement multiplier; products follow
each person's category preferences (which also drive offer affinity). Some completed
orders are returned later (a separate order with status 'returned' and negative lines)
or delivered late; both lower satisfaction and sometimes make the customer open a ticket.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import catalog, noise
from synthetic import contract as c
from synthetic.identities import Identities
from synthetic.params import Rates
from synthetic.simulation import Incidents, State, late_days
from synthetic.world import DAY, World, addresses, times_on
from synthetic.writers import LandingWriter

ORDER_CHANNELS = ("web", "store", "phone")
ORDER_STATUS = ("completed", "cancelled", "returned")
N_CAT = len(catalog.CATEGORIES)
PRICE = np.array([p[2] for p in catalog.PRODUCTS])
PRODUCT_CAT = np.array([catalog.CATEGORIES.index(p[1]) for p in catalog.PRODUCTS])
# products of each category, in catalog order
CAT_PRODUCTS = np.array([np.nonzero(PRODUCT_CAT == k)[0] for k in range(N_CAT)])
DELIVERY, PRODUCT_DEFECT = (
    catalog.TICKET_CATEGORIES.index("delivery"),
    catalog.TICKET_CATEGORIES.index("product_defect"),
)


class Sales:
    def __init__(
        self, world: World, ids: Identities, state: State, writer: LandingWriter, rates: Rates, rng: np.random.Generator
    ):
        self.w, self.ids, self.s, self.out, self.r, self.rng = world, ids, state, writer, rates, rng
        cu = ids.customers
        self.cu = cu
        hist = cu.created_ts < world.start_epoch
        span = np.maximum(world.start_epoch - cu.created_ts, 1)
        self.updated = np.where(hist, cu.created_ts + (rng.random(len(cu)) * span).astype(np.int64), cu.created_ts)
        self.cols = dict(cu.cols)
        self.order_seq = 0

    @property
    def crm_created_ts(self) -> np.ndarray:
        return self.cu.created_ts

    def step(self, t: int) -> None:
        start = self.s.day_start(t)
        if t == 0:
            self._products()
        self._customers(t, start)
        self._orders(t, start)

    # -- customers --------------------------------------------------------------------------
    def _customer_table(self, rows: np.ndarray, updated: np.ndarray):
        idx = pa.array(rows)
        take = {k: v.take(idx) for k, v in self.cols.items()}
        return c.table(
            "sales",
            "customers",
            crm_id=c.ids("CRM", self.cu.num[rows], 8),
            created_at=self.cu.created_ts[rows],
            updated_at=updated,
            **take,
        )

    def _customers(self, t: int, start: int) -> None:
        cu, rng = self.cu, self.rng
        lo = 0 if t == 0 else int(np.searchsorted(cu.created_ts, start))
        known = int(np.searchsorted(cu.created_ts, start))
        hi = int(np.searchsorted(cu.created_ts, start + DAY))
        if hi > lo:
            rows = np.arange(lo, hi)
            self.out.emit("sales", "customers", self._customer_table(rows, self.updated[rows]), t)
        # occasional edits of known customers: half of them moved house
        rows = np.nonzero(rng.random(known) < self.r.customer_update)[0]
        if len(rows) == 0:
            return
        moved = rows[rng.random(len(rows)) < 0.5]
        if len(moved):
            street, city, postal = addresses(rng, self.w.country[cu.person[moved]])
            mask = np.zeros(len(cu), dtype=bool)
            mask[moved] = True
            m = pa.array(mask)
            self.cols["street"] = pc.replace_with_mask(self.cols["street"], m, street)
            self.cols["city"] = pc.replace_with_mask(self.cols["city"], m, city)
            self.cols["postal_code"] = pc.replace_with_mask(self.cols["postal_code"], m, postal)
        ts = np.maximum(times_on(rng, start, len(rows)), self.updated[rows] + 1)
        self.updated[rows] = ts
        self.out.emit("sales", "customers", self._customer_table(rows, ts), t)

    def _products(self) -> None:
        p = catalog.PRODUCTS
        tbl = c.table(
            "sales",
            "products",
            product_id=c.ids("PRD-", np.arange(1, len(p) + 1), 3),
            product_name=np.array([x[0] for x in p]),
            category=np.array([x[1] for x in p]),
            list_price=PRICE,
        )
        self.out.emit("sales", "products", tbl, 0)

    # -- orders -------------------------------------------------------------------------------
    def _orders(self, t: int, start: int) -> None:
        cu, rng, s, r, w = self.cu, self.rng, self.s, self.r, self.w
        known = int(np.searchsorted(cu.created_ts, start))
        person = cu.person[:known]
        weekend = 1.2 if s.weekday(t) >= 5 else 1.0
        lam = np.asarray(r.order_rate)[w.value_segment[person]] * s.eng[person] * weekend
        count = rng.poisson(lam)
        rows = np.repeat(np.arange(known), count)
        ts = times_on(rng, start, len(rows))
        forced_cat = np.full(len(rows), -1)
        q = s.order_q.pop(t)
        if q is not None:
            frow = self.ids.crm_row[q["person"]]
            ok = (frow >= 0) & (frow < known)
            rows = np.concatenate([rows, frow[ok]])
            ts = np.concatenate([ts, np.minimum(q["ts"][ok], start + DAY - 1)])
            forced_cat = np.concatenate([forced_cat, q["category"][ok]])
        m = len(rows)
        if m == 0:
            return
        opers = cu.person[rows]
        status = np.where(rng.random(m) < r.order_cancelled, 1, 0)
        channel = noise.pick(rng, m, [0.7, 0.2, 0.1])
        order_num = self._next(m)
        # lines
        n_lines = 1 + noise.pick(rng, m, [0.5, 0.28, 0.14, 0.08])
        l_order = np.repeat(np.arange(m), n_lines)
        first = np.zeros(len(l_order), dtype=bool)
        first[np.cumsum(n_lines) - n_lines] = True
        line_no = np.arange(len(l_order)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
        l_person = opers[l_order]
        pref = np.cumsum(w.category_pref[l_person], axis=1)
        cat = np.minimum((rng.random((len(l_order), 1)) > pref).sum(axis=1), N_CAT - 1)
        fc = forced_cat[l_order]
        cat = np.where(first & (fc >= 0), fc, cat)
        product = CAT_PRODUCTS[cat, noise.pick(rng, len(l_order), catalog.PRODUCT_POPULARITY)]
        qty = 1 + noise.pick(rng, len(l_order), [0.75, 0.18, 0.07])
        qty = np.where(cat == catalog.CATEGORIES.index("nutrition"), qty + (rng.random(len(qty)) < 0.3), qty)
        promo = rng.random(len(l_order)) < 0.2 * (0.5 + w.price_sensitivity[l_person])
        unit = np.round(PRICE[product] * np.where(promo, 1 - rng.uniform(0.1, 0.25, len(l_order)), 1.0), 2)
        amount = np.round(qty * unit, 2)
        self._emit(t, order_num, cu.num[rows], ts, channel, status, l_order, line_no, product, qty, unit, amount)
        s.last_order_day[opers] = t
        # what happens after a completed order
        done = status == 0
        sat_now = s.sat[opers]
        late_p = np.where(Incidents.active(s.incidents.shipping, t), 0.3, r.late_delivery)
        late = done & (rng.random(m) < late_p)
        late_day = t + rng.integers(3, 7, m)
        s.add_sat(late_day[late], opers[late], -0.06)
        tick = late & (rng.random(m) < 0.4)
        s.trigger_ticket(
            start + (late_day[tick] - t) * DAY + rng.integers(8 * 3600, 20 * 3600, int(tick.sum())),
            opers[tick],
            DELIVERY,
        )
        ret = done & (rng.random(m) < r.return_rate * (1 + (0.65 - sat_now)))
        if ret.any():
            self._returns(t, np.nonzero(ret)[0], rows, opers, l_order, line_no, product, qty, unit)

    def _returns(self, t, ret_orders, rows, opers, l_order, line_no, product, qty, unit) -> None:
        rng, s = self.rng, self.s
        k = len(ret_orders)
        ret_day = t + rng.integers(5, 26, k)
        ret_ts = s.day_start(0) + ret_day * DAY + rng.integers(8 * 3600, 21 * 3600, k)
        pos = np.full(len(rows), -1)
        pos[ret_orders] = np.arange(k)
        lp = pos[l_order]
        sel = lp >= 0
        back = sel & ((rng.random(len(l_order)) < 0.6) | (line_no == 1))
        # renumber returned lines 1..n within each return order
        l_ret = lp[back]
        order = np.argsort(l_ret, kind="stable")
        l_ret = l_ret[order]
        prod, q, u = product[back][order], qty[back][order], unit[back][order]
        counts = np.bincount(l_ret, minlength=k)
        new_no = np.arange(len(l_ret)) - np.repeat(np.cumsum(counts) - counts, counts) + 1
        order_num = self._next(k)
        channel = np.where(rng.random(k) < 0.6, 0, 1)
        self._emit(
            t,
            order_num,
            self.cu.num[rows[ret_orders]],
            ret_ts,
            channel,
            np.full(k, 2),
            l_ret,
            new_no,
            prod,
            -q,
            u,
            np.round(-q * u, 2),
        )
        person = opers[ret_orders]
        s.add_sat(ret_day, person, -0.04)
        tick = rng.random(k) < 0.3
        s.trigger_ticket(ret_ts[tick] + rng.integers(600, 7200, int(tick.sum())), person[tick], PRODUCT_DEFECT)

    def _next(self, m: int) -> np.ndarray:
        first = self.order_seq + 1
        self.order_seq += m
        return np.arange(first, first + m, dtype=np.int64)

    def _emit(self, t, order_num, crm_num, ts, channel, status, l_order, line_no, product, qty, unit, amount) -> None:
        rng, w = self.rng, self.w
        event_day = w.day_of(ts)
        deliver = np.maximum(late_days(rng, event_day, self.r), t)
        currency_valid = rng.random(len(order_num)) > 0.01
        orders = c.table(
            "sales",
            "orders",
            order_id=c.ids("SO", order_num, 9),
            crm_id=c.ids("CRM", crm_num, 8),
            ordered_at=ts,
            channel=c.categories(channel, ORDER_CHANNELS),
            status=c.categories(status, ORDER_STATUS),
            currency=c.strings(np.full(len(order_num), "USD"), valid=currency_valid),
        )
        self.out.emit("sales", "orders", orders, deliver, event_day)
        lines = c.table(
            "sales",
            "order_lines",
            order_id=c.ids("SO", order_num[l_order], 9),
            line_number=line_no,
            product_id=c.ids("PRD-", product + 1, 3),
            quantity=qty,
            unit_price=unit,
            line_amount=amount,
        )
        self.out.emit("sales", "order_lines", lines, deliver[l_order], event_day[l_order])
