"""Marketing: contacts, offers catalog, e-mail campaigns, web visits, registrations, offers.

Customer-chosen actions (opens, clicks, visits, registrations, accepting offers) scale with
the person's engagement multiplier, so they fall as satisfaction falls and almost stop
after churn. Sends are company actions and go on until the contact opts out.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from synthetic import catalog, noise
from synthetic import contract as c
from synthetic.identities import Identities
from synthetic.params import Rates
from synthetic.simulation import State, late_days
from synthetic.world import DAY, World, times_on
from synthetic.writers import LandingWriter

CONTACT_ID = ("MC", 8)
CRM_ID = ("CRM", 8)
EMAIL_TYPES = ("sent", "open", "click", "unsubscribe")
WEB_TYPES = ("page_view", "pricing_view", "help_article", "login")
EVENT_KINDS = ("webinar", "conference", "workshop")
RESPONSES = ("accepted", "declined", "ignored")
EXPOSURE_POLICIES = ("targeted", "random")
N_OFFERS = len(catalog.OFFERS)
CANCEL_PAGE = "/help/cancel-membership"
PAGES = (
    list(catalog.WEB_PAGES_GENERAL)
    + [f"/shop/{cat}" for cat in catalog.CATEGORIES]
    + ["/pricing"]
    + [f"/help/{topic}" for topic in catalog.HELP_TOPICS]
    + [CANCEL_PAGE, "/account"]
)
P_SHOP = len(catalog.WEB_PAGES_GENERAL)
P_PRICING = P_SHOP + len(catalog.CATEGORIES)
P_HELP = P_PRICING + 1
P_CANCEL = P_HELP + len(catalog.HELP_TOPICS)
P_ACCOUNT = P_CANCEL + 1


def offer_affinity(rng: np.random.Generator, world: World) -> np.ndarray:
    """Probability that a person accepts each offer when shown it (persons x offers)."""
    n = world.n
    log_eng = np.log(world.engagement)
    seg = world.value_segment.astype(np.float64) - 1.0
    out = np.empty((n, N_OFFERS), dtype=np.float64)
    for j, (_, _, category, kind, *_rest, base) in enumerate(catalog.OFFERS):
        cat_term = (
            0.0 if category is None else 3.0 * (world.category_pref[:, catalog.CATEGORIES.index(category)] - 1 / 6)
        )
        if kind == "upsell":
            logit = base + 0.8 * seg + 0.5 * log_eng - 0.6 * world.price_sensitivity + 0.5 * cat_term
        elif kind == "cross_sell":
            logit = base + cat_term + 0.6 * world.price_sensitivity + 0.3 * log_eng
        elif kind == "retention":
            logit = base + 2.4 * (0.65 - world.satisfaction) + 0.8 * world.price_sensitivity + 0.3 * cat_term
        else:  # reactivation
            logit = base + 1.0 * world.price_sensitivity - 0.4 * log_eng + 0.3 * cat_term
        out[:, j] = logit + rng.normal(0.0, 0.5, n)
    return 1.0 / (1.0 + np.exp(-out))


def _events_calendar(state: State, days: int) -> list[tuple[int, int, str]]:
    """(day, kind, name) of webinars (every other Wednesday), workshops and conferences."""
    webinars = [t for k, t in catalog.EVENT_TOPICS if k == "webinar"]
    workshops = [t for k, t in catalog.EVENT_TOPICS if k == "workshop"]
    conference = [t for k, t in catalog.EVENT_TOPICS if k == "conference"][0]
    out = []
    for t in range(days + 40):
        d = state.date(t)
        label = f"({d:%b} {d.day}, {d.year})"
        if d.weekday() == 2 and (t // 7) % 2 == 0:
            out.append((t, 0, f"{webinars[(t // 14) % len(webinars)]} {label}"))
        if d.weekday() == 5 and 8 <= d.day <= 14:
            out.append((t, 2, f"{workshops[d.month % len(workshops)]} {label}"))
        if d.month in (5, 10) and d.day == 20:
            out.append((t, 1, f"{conference} {d.year} {label}"))
    return out


class Marketing:
    def __init__(
        self,
        world: World,
        ids: Identities,
        state: State,
        writer: LandingWriter,
        rates: Rates,
        rng: np.random.Generator,
        affinity: np.ndarray,
        finance,
        sales_crm_ts: np.ndarray,
        explore_rng: np.random.Generator,
    ):
        self.w, self.ids, self.s, self.out, self.r, self.rng = world, ids, state, writer, rates, rng
        self.affinity = affinity
        # a stream of its own, so the explore share leaves every other draw unchanged
        self.explore_rng = explore_rng
        self.finance = finance
        ct = ids.contacts
        self.ct = ct
        # history contacts were last updated some time between creation and the start
        hist = ct.created_ts < world.start_epoch
        span = np.maximum(world.start_epoch - ct.created_ts, 1)
        self.updated = np.where(hist, ct.created_ts + (rng.random(len(ct)) * span).astype(np.int64), ct.created_ts)
        self.opt_in = ct.extra["opt_in"].copy()
        self.crm_ts = np.where(
            ids.crm_row[ct.person] >= 0, sales_crm_ts[np.maximum(ids.crm_row[ct.person], 0)], c.NO_TS
        )
        self.crm_num = ids.crm_row[ct.person] + 1
        self.unsub_q: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        self.seq = {"email": 0, "web": 0, "reg": 0, "exp": 0, "campaign": 0}
        self.calendar = _events_calendar(state, world.days)
        self.primary_rows = np.nonzero(ct.extra["is_primary"])[0]  # in created order
        self.offer_cat = np.array([-1 if o[2] is None else catalog.CATEGORIES.index(o[2]) for o in catalog.OFFERS])
        self.offer_type = np.array([catalog.OFFER_TYPES.index(o[3]) for o in catalog.OFFERS])
        self.offer_channel = np.array([catalog.CHANNELS_OFFER.index(o[6]) for o in catalog.OFFERS])

    def _next_ids(self, kind: str, n: int) -> np.ndarray:
        first = self.seq[kind] + 1
        self.seq[kind] += n
        return np.arange(first, first + n, dtype=np.int64)

    def step(self, t: int) -> None:
        start = self.s.day_start(t)
        if t == 0:
            self._offers_catalog()
        self._new_contacts(t, start)
        unsub_rows, unsub_ts = self._campaign(t, start)
        self._web(t, start)
        self._registrations(t, start)
        self._exposures(t, start)
        self._contact_updates(t, start, unsub_rows, unsub_ts)

    # -- contacts ---------------------------------------------------------------------------
    def _contact_table(self, rows: np.ndarray, updated: np.ndarray) -> pa.Table:
        ct = self.ct
        idx = pa.array(rows)
        crm_valid = ct.extra["crm_sync"][rows] & (self.crm_num[rows] > 0) & (self.crm_ts[rows] <= updated)
        return c.table(
            "marketing",
            "contacts",
            contact_id=c.ids(CONTACT_ID[0], ct.num[rows], CONTACT_ID[1]),
            email=ct.cols["email"].take(idx),
            first_name=ct.cols["first_name"].take(idx),
            last_name=ct.cols["last_name"].take(idx),
            phone=ct.cols["phone"].take(idx),
            country=ct.cols["country"].take(idx),
            crm_id=c.ids(CRM_ID[0], self.crm_num[rows], CRM_ID[1], valid=crm_valid),
            marketing_opt_in=self.opt_in[rows],
            created_at=ct.created_ts[rows],
            updated_at=updated,
        )

    def _new_contacts(self, t: int, start: int) -> None:
        lo = 0 if t == 0 else int(np.searchsorted(self.ct.created_ts, start))
        rows = np.arange(lo, int(np.searchsorted(self.ct.created_ts, start + DAY)))
        if len(rows):
            self.out.emit("marketing", "contacts", self._contact_table(rows, self.updated[rows]), t)

    def _contact_updates(self, t: int, start: int, unsub_rows: np.ndarray, unsub_ts: np.ndarray) -> None:
        """Re-deliver changed contacts once per day: unsubscribes, CRM syncs, profile edits."""
        ct, rng = self.ct, self.rng
        known = int(np.searchsorted(ct.created_ts, start))  # contacts delivered before today
        rows = [unsub_rows]
        ts = [unsub_ts]
        for d_rows, d_ts in self.unsub_q.pop(t, []):
            rows.append(d_rows)
            ts.append(d_ts)
        # churners sometimes opt out of everything
        churners = self.s.churned_today
        if len(churners):
            is_churner = np.zeros(self.w.n, dtype=bool)
            is_churner[churners] = True
            crow = np.nonzero(is_churner[ct.person[:known]] & self.opt_in[:known])[0]
            crow = crow[rng.random(len(crow)) < 0.3]
            rows.append(crow)
            ts.append(self.s.churn_ts[ct.person[crow]] + rng.integers(60, 3600, len(crow)))
        opt_out_rows = np.concatenate(rows)
        opt_out_ts = np.minimum(np.concatenate(ts), start + DAY - 1)
        # CRM sync: the contact gets the CRM id the day the CRM record is created
        sync = np.nonzero(
            ct.extra["crm_sync"][:known] & (self.crm_ts[:known] >= start) & (self.crm_ts[:known] < start + DAY)
        )[0]
        sync_ts = np.minimum(self.crm_ts[sync] + rng.integers(60, 1800, len(sync)), start + DAY - 1)
        edit = np.nonzero(rng.random(known) < self.r.contact_update)[0]
        edit_ts = times_on(rng, start, len(edit))
        all_rows = np.concatenate([opt_out_rows, sync, edit])
        all_ts = np.concatenate([opt_out_ts, sync_ts, edit_ts])
        if not len(all_rows):
            return
        self.opt_in[opt_out_rows] = False
        # one version per contact and day: the latest change
        order = np.lexsort((-all_ts, all_rows))
        all_rows, all_ts = all_rows[order], all_ts[order]
        first = np.concatenate([[True], all_rows[1:] != all_rows[:-1]])
        rows_u, ts_u = all_rows[first], np.maximum(all_ts[first], self.updated[all_rows[first]] + 1)
        self.updated[rows_u] = ts_u
        self.out.emit("marketing", "contacts", self._contact_table(rows_u, ts_u), t)

    # -- offers catalog ---------------------------------------------------------------------
    def _offers_catalog(self) -> None:
        o = catalog.OFFERS
        start_day = self.w.start_epoch // DAY
        valid_from = np.array([start_day - 200 if x[7] is None else start_day + x[7] for x in o])
        valid_to = np.array([0 if x[8] is None else start_day + x[8] for x in o])
        tbl = c.table(
            "marketing",
            "offers",
            offer_id=np.array([x[0] for x in o]),
            offer_name=np.array([x[1] for x in o]),
            product_category=c.strings(
                np.array([x[2] or "" for x in o]), valid=np.array([x[2] is not None for x in o])
            ),
            offer_type=np.array([x[3] for x in o]),
            value=np.array([x[4] for x in o]),
            margin=np.array([x[5] for x in o]),
            channel=np.array([x[6] for x in o]),
            valid_from=valid_from,
            valid_to=pa.array(valid_to.astype(np.int32), pa.date32(), mask=np.array([x[8] is None for x in o])),
        )
        self.out.emit("marketing", "offers", tbl, 0)

    # -- e-mail ------------------------------------------------------------------------------
    def _campaign(self, t: int, start: int) -> tuple[np.ndarray, np.ndarray]:
        none = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        if self.s.weekday(t) not in self.r.campaign_weekdays:
            return none
        ct, rng, s, r = self.ct, self.rng, self.s, self.r
        campaign = self._next_ids("campaign", 1)[0]
        known = int(np.searchsorted(ct.created_ts, start))
        rows = np.nonzero(self.opt_in[:known] & (rng.random(known) < r.campaign_reach))[0]
        person = ct.person[rows]
        sent = start + 9 * 3600 + rng.integers(0, 5400, len(rows))
        eng = s.eng[person] * np.where(ct.extra["is_primary"][rows], 1.0, 0.4)
        opened = rng.random(len(rows)) < np.clip(r.open_rate * eng, 0, 0.95)
        open_ts = sent + 30 + np.minimum(rng.exponential(3 * 3600, len(rows)), 4 * DAY).astype(np.int64)
        clicked = opened & (rng.random(len(rows)) < np.clip(r.click_rate * eng, 0, 0.8))
        click_ts = open_ts + 5 + rng.exponential(300, len(rows)).astype(np.int64)
        p_unsub = r.unsubscribe_rate * np.exp(3.0 * (0.65 - s.sat[person])) + 0.05 * s.churned[person]
        unsub = opened & (rng.random(len(rows)) < p_unsub)
        unsub_ts = open_ts + rng.integers(10, 600, len(rows))
        ev_rows = np.concatenate([rows, rows[opened], rows[clicked], rows[unsub]])
        ev_ts = np.concatenate([sent, open_ts[opened], click_ts[clicked], unsub_ts[unsub]])
        ev_type = np.repeat(np.arange(4), [len(rows), opened.sum(), clicked.sum(), unsub.sum()])
        event_day = self.w.day_of(ev_ts)
        tbl = c.table(
            "marketing",
            "email_events",
            event_id=c.ids("EE", self._next_ids("email", len(ev_rows)), 11),
            contact_id=c.ids("MC", ct.num[ev_rows], 8),
            campaign_id=c.ids("CMP-", np.full(len(ev_rows), campaign), 5),
            event_type=c.categories(ev_type, EMAIL_TYPES),
            event_at=ev_ts,
        )
        self.out.emit("marketing", "email_events", tbl, late_days(rng, event_day, r), event_day)
        # opt-outs land as contact updates on the day they happen
        u_rows, u_ts = rows[unsub], unsub_ts[unsub]
        u_day = self.w.day_of(u_ts)
        for d in np.unique(u_day[u_day > t]).tolist():
            m = u_day == d
            self.unsub_q.setdefault(d, []).append((u_rows[m], u_ts[m]))
        return u_rows[u_day == t], u_ts[u_day == t]

    # -- web -----------------------------------------------------------------------------------
    def _web(self, t: int, start: int) -> None:
        ct, rng, s, r, w = self.ct, self.rng, self.s, self.r, self.w
        known = int(np.searchsorted(ct.created_ts[self.primary_rows], start))
        rows = self.primary_rows[:known]
        person = ct.person[rows]
        weekend = 1.15 if s.weekday(t) >= 5 else 1.0
        sessions = rng.poisson(r.web_sessions * s.eng[person] * weekend)
        srows = np.repeat(rows, sessions)
        n_ev = np.minimum(1 + rng.poisson(1.8, len(srows)), 12)
        ev_rows = np.repeat(srows, n_ev)
        ev_person = ct.person[ev_rows]
        total = len(ev_rows)
        if total == 0:
            return
        first = np.zeros(total, dtype=bool)
        first[np.cumsum(n_ev) - n_ev] = True
        gaps = np.where(first, 0, 5 + rng.exponential(90, total).astype(np.int64))
        csum = np.cumsum(gaps)
        offset = csum - np.repeat(csum[first], n_ev)
        ev_ts = np.repeat(times_on(rng, start, len(srows)), n_ev) + offset
        # what they look at
        subscriber = self.finance.current_plan(ev_person) >= 0
        intent = s.intent_day[ev_person] >= 0
        kind = noise.pick(rng, total, [0.55, 0.1, 0.17, 0.18])
        kind = np.where(first, 0, kind)
        kind = np.where((kind == 3) & ~subscriber, 0, kind)
        kind = np.where(intent & ~first & (rng.random(total) < 0.25), 2, kind)
        pref = np.cumsum(w.category_pref[ev_person], axis=1)
        cat = np.minimum((rng.random((total, 1)) > pref).sum(axis=1), len(catalog.CATEGORIES) - 1)
        general = rng.integers(0, P_SHOP, total)
        page_view = np.where(rng.random(total) < 0.55, P_SHOP + cat, general)
        help_page = P_HELP + noise.pick(rng, total, [0.22, 0.18, 0.15, 0.13, 0.12, 0.12, 0.08])
        help_page = np.where(intent & (rng.random(total) < 0.5), P_CANCEL, help_page)
        page = np.select([kind == 0, kind == 1, kind == 2], [page_view, P_PRICING, help_page], P_ACCOUNT)
        page_valid = rng.random(total) > 0.01
        event_day = w.day_of(ev_ts)
        tbl = c.table(
            "marketing",
            "web_events",
            event_id=c.ids("WE", self._next_ids("web", total), 11),
            contact_id=c.ids("MC", ct.num[ev_rows], 8),
            event_type=c.categories(kind, WEB_TYPES),
            page=c.categories(page, PAGES, valid=page_valid),
            event_at=ev_ts,
        )
        self.out.emit("marketing", "web_events", tbl, late_days(rng, event_day, r), event_day)

    # -- registrations ------------------------------------------------------------------------
    def _registrations(self, t: int, start: int) -> None:
        ct, rng, s, r = self.ct, self.rng, self.s, self.r
        upcoming = [e for e in self.calendar if t < e[0] <= t + 28]
        if not upcoming:
            return
        known = int(np.searchsorted(ct.created_ts[self.primary_rows], start))
        rows = self.primary_rows[:known]
        eng = s.eng[ct.person[rows]]
        reg = rng.random(len(rows)) < r.registration * eng
        rows, eng = rows[reg], eng[reg]
        m = len(rows)
        if m == 0:
            return
        which = rng.integers(0, len(upcoming), m)
        ev_day = np.array([e[0] for e in upcoming])[which]
        kind = np.array([e[1] for e in upcoming])[which]
        names = np.array([e[2] for e in upcoming], dtype=object)[which]
        reg_ids = self._next_ids("reg", m)
        reg_ts = times_on(rng, start, m)
        attended = rng.random(m) < np.clip(0.45 * np.sqrt(eng), 0.05, 0.9)

        def version(att_valid: bool) -> pa.Table:
            return c.table(
                "marketing",
                "event_registrations",
                registration_id=c.ids("REG", reg_ids, 9),
                contact_id=c.ids("MC", ct.num[rows], 8),
                event_name=names.astype(str),
                event_type=c.categories(kind, EVENT_KINDS),
                registered_at=reg_ts,
                attended=c.booleans(attended, valid=np.full(m, att_valid)),
            )

        self.out.emit("marketing", "event_registrations", version(False), t)
        # after the event the registration is delivered again with attendance
        self.out.emit("marketing", "event_registrations", version(True), ev_day + 1)

    # -- offers ----------------------------------------------------------------------------------
    def _exposures(self, t: int, start: int) -> None:
        ct, rng, s, r = self.ct, self.rng, self.s, self.r
        known = int(np.searchsorted(ct.created_ts[self.primary_rows], start))
        rows = self.primary_rows[:known]
        rows = rows[rng.random(len(rows)) < r.offer_exposure]
        m = len(rows)
        if m == 0:
            return
        person = ct.person[rows]
        # which offers the company shows whom
        plan = self.finance.current_plan(person)  # -1 when not an active subscriber
        subscriber = plan >= 0
        at_risk = subscriber & ((s.sat[person] < 0.5) | (s.intent_day[person] >= 0))
        lapsed = (t - s.last_order_day[person] > 60) | s.churned[person]
        weights = np.zeros((m, N_OFFERS))
        for j, o in enumerate(catalog.OFFERS):
            lo, hi = o[7], o[8]
            if (lo is not None and t < lo) or (hi is not None and t > hi):  # valid_to is inclusive
                continue
            kind = o[3]
            if o[0] == "OFF-01":
                weights[:, j] = np.where(subscriber & (plan < 2), 1.0, 0.02)
            elif o[0] == "OFF-02":
                weights[:, j] = np.where(plan == 0, 1.0, 0.02)
            elif kind == "upsell":
                weights[:, j] = 0.4
            elif kind == "cross_sell":
                weights[:, j] = 1.0
            elif kind == "retention":
                weights[:, j] = np.where(at_risk, 2.0, 0.1)
            else:
                weights[:, j] = np.where(lapsed, 1.5, 0.1)
        offer = noise.pick_rows(rng, weights)
        explore = self.explore_rng.random(m) < r.offer_explore_share
        if explore.any():
            offer[explore] = noise.pick_rows(self.explore_rng, (weights[explore] > 0).astype(np.float64))
        channel = np.where(rng.random(m) < 0.7, self.offer_channel[offer], rng.integers(0, 3, m))
        exposed = np.where(channel == 2, times_on(rng, start, m, business=True), times_on(rng, start, m))
        p = self.affinity[person, offer]
        intent = s.intent_day[person] >= 0
        p = p * np.where(s.churned[person], 0.15, 1.0)
        p = p * np.where(intent, np.where(self.offer_type[offer] == 2, 1.5, 0.5), 1.0)
        accepted = rng.random(m) < np.clip(p, 0, 1)
        declined = ~accepted & (rng.random(m) < 0.3)
        response = np.where(accepted, 0, np.where(declined, 1, 2))
        # the extract of day t carries the responses made by the end of day t
        reply = np.minimum(exposed + 60 + rng.exponential(2 * 3600, m).astype(np.int64), start + DAY - 1)
        responded = np.where(response < 2, reply, c.NO_TS)
        tbl = c.table(
            "marketing",
            "offer_exposures",
            exposure_id=c.ids("EXP", self._next_ids("exp", m), 10),
            contact_id=c.ids("MC", ct.num[rows], 8),
            offer_id=np.array([o[0] for o in catalog.OFFERS])[offer],
            channel=c.categories(channel, catalog.CHANNELS_OFFER),
            exposed_at=exposed,
            response=c.categories(response, RESPONSES),
            responded_at=responded,
            exposure_policy=c.categories(explore.astype(np.int32), EXPOSURE_POLICIES),
        )
        self.out.emit("marketing", "offer_exposures", tbl, t)
        self._accepted(t, person[accepted], offer[accepted], responded[accepted])

    def _accepted(self, t: int, person: np.ndarray, offer: np.ndarray, ts: np.ndarray) -> None:
        s, rng = self.s, self.rng
        kind = self.offer_type[offer]
        s.add_sat(t + 1, person, np.where(kind == 2, 0.12, 0.03))
        retained = person[(kind == 2) & (rng.random(len(person)) < 0.6)]
        s.save(retained)
        ids = np.array([o[0] for o in catalog.OFFERS])[offer]
        self.finance.upgrade(person[ids == "OFF-01"], 2, ts[ids == "OFF-01"])
        self.finance.upgrade(person[ids == "OFF-02"], 1, ts[ids == "OFF-02"])
        buy = ((kind == 1) | (kind == 3)) & (rng.random(len(person)) < 0.5)
        cat = self.offer_cat[offer]
        cat = np.where(cat < 0, self.w.category_pref[person].argmax(axis=1), cat)
        order_ts = ts[buy] + rng.integers(600, 2 * DAY, int(buy.sum()))
        s.order_q.push(self.w.day_of(order_ts), person=person[buy], ts=order_ts, category=cat[buy])
