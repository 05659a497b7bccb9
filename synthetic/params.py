"""Knobs of the synthetic world: identity-noise profiles and behaviour rates.

All rates are per person (or per record) per day unless said otherwise. They are tuned so
that the default demo (10,000 persons x 180 days) gives tens of thousands of orders, a few
hundred thousand e-mail and web events and several thousand tickets.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NoiseProfile:
    """How messy the per-system identity records are."""

    name: str
    email_case: float = 0.05  # "John.Smith@Gmail.Com", "JOHN.SMITH@GMAIL.COM"
    email_whitespace: float = 0.02  # leading/trailing blanks
    email_plus_alias: float = 0.04  # john.smith+news@gmail.com
    email_gmail_dots: float = 0.03  # johnsmith@gmail.com for john.smith@gmail.com
    email_typo: float = 0.004  # gmial.com, hotmial.com
    placeholder_email: float = 0.004  # info@..., noreply@..., test@test.com
    placeholder_phone: float = 0.003  # 0000000000, 123-4567
    other_email: float = 0.08  # person uses another (work/old) address in one system
    household_share: float = 0.02  # share of persons who use a household member's e-mail
    phone_reuse: float = 0.005  # share of persons whose phone is also another person's phone
    name_typo: float = 0.02
    nickname: float = 0.06  # Bob for Robert in informal systems
    name_case: float = 0.03  # "SMITH", "smith"
    duplicate_contact: float = 0.065  # persons registered twice in marketing (~5 % land in the period)
    missing_scale: float = 1.0  # multiplies every missing-field rate


PROFILES: dict[str, NoiseProfile] = {
    "default": NoiseProfile("default"),
    "hard": NoiseProfile(
        "hard",
        email_case=0.12,
        email_whitespace=0.05,
        email_plus_alias=0.08,
        email_gmail_dots=0.08,
        email_typo=0.02,
        placeholder_email=0.01,
        placeholder_phone=0.008,
        other_email=0.15,
        household_share=0.05,
        phone_reuse=0.03,
        name_typo=0.07,
        nickname=0.12,
        name_case=0.06,
        duplicate_contact=0.10,
        missing_scale=1.5,
    ),
}


@dataclass(frozen=True)
class Rates:
    """Behaviour of the world (per day unless said otherwise)."""

    # --- population
    history_share: float = 0.75  # persons who exist before the start
    has_crm: float = 0.65
    billing_given_crm: float = 0.70  # -> ~55 % subscribers overall
    billing_given_no_crm: float = 0.27
    contact_given_other: float = 0.80  # persons with a CRM/billing record who are also contacts
    history_requester: float = 0.12  # history persons who already contacted support before
    # --- satisfaction and churn
    sat_reversion: float = 0.01  # pull toward the person's baseline per day
    sat_noise: float = 0.01
    churn_base: float = 0.0009  # daily hazard at satisfaction 0.65
    churn_sat_slope: float = 4.5  # hazard x exp(slope * (0.65 - satisfaction))
    churn_notice_days: tuple[int, int] = (3, 22)  # intent -> churn delay range
    # --- marketing
    campaign_weekdays: tuple[int, ...] = (1, 3)  # Tuesday, Thursday
    campaign_reach: float = 0.55  # share of opted-in contacts in each campaign
    open_rate: float = 0.24
    click_rate: float = 0.16  # given an open
    unsubscribe_rate: float = 0.004  # given an open, at satisfaction 0.65
    opt_in: float = 0.82
    web_sessions: float = 0.06
    registration: float = 0.0025
    offer_exposure: float = 0.008
    # share of exposures the company randomises (an explore group: a uniformly drawn valid offer),
    # recorded as exposure_policy = 'random' so a new policy can be evaluated off-line
    offer_explore_share: float = 0.25
    contact_update: float = 0.0012
    # --- sales
    order_rate: tuple[float, float, float] = (0.015, 0.026, 0.045)  # by value segment
    order_cancelled: float = 0.03
    return_rate: float = 0.05
    late_delivery: float = 0.04
    customer_update: float = 0.001
    # --- support
    ticket_rate: float = 0.0016
    nps_rate: float = 0.0012
    csat_response: float = 0.35
    effort_given_csat: float = 0.6
    # --- finance
    first_payment_failure: float = 0.05
    retry_failure: float = 0.35
    due_days: int = 14
    one_off_invoice: float = 0.0004
    # --- late data
    late_share: float = 0.02
    late_max_days: int = 5


RATES = Rates()
