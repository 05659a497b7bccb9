"""Next best offers after the churn scores: the day's ranked offers per contactable customer."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from config.settings import engine, offer_rules, paths, pipeline_config
from ml.nbo.rules import NboRules
from ml.nbo.run import CATALOG, CONTEXT, OFFERS_TABLE, DayOutcome, Models, run_day
from orchestration.assets.churn import SCORES_KEY, scored_days
from orchestration.metadata import markdown_table
from orchestration.partitions import daily_partitions
from orchestration.resources import Warehouse, on_spark
from orchestration.run_day import partition_days

OFFERS_KEY = AssetKey(["marts", "next_best_offers"])
# Below this share of contactable customers with an offer, coverage is worth a look.
MIN_COVERAGE = 0.95


def _rules() -> NboRules:
    return NboRules.from_dict(offer_rules())


@asset(
    key=OFFERS_KEY,
    deps=[
        SCORES_KEY,
        AssetKey(["features", "offer_customer_context"]),
        AssetKey(["features", "offer_exposure_examples"]),
        AssetKey(["features", "customer_product_purchases"]),
    ],
    description=(
        "Next best offers (marts.next_best_offers): for every contactable customer, the top offers of the day "
        "by expected value = P(accept) x value under the rules of config/offer_rules.yml (eligibility, contact "
        "policy, churn-aware order), with a reason in words and the customer's persistent group (treatment, "
        "holdout: do not send, explore: one random eligible offer). Products from sales when there is no "
        "offer catalog."
    ),
    group_name="ml",
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    kinds={"scikitlearn", engine()},
    owners=["team:data-science"],
)
def next_best_offers(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    rules = _rules()
    outcomes = _rank(warehouse, rules, scored_days(context))
    last = outcomes[-1]
    with warehouse.get_connection() as con:
        mix = con.execute(
            f"SELECT offer_id, count(*) FILTER (WHERE rank = 1) AS first, count(*) AS offered, avg(score), "
            f"sum(expected_value) FROM {OFFERS_TABLE} WHERE as_of_date = ? AND assignment_group = 'treatment' "
            "GROUP BY 1 ORDER BY 5 DESC",
            [last.day],
        ).fetchall()
        groups = con.execute(
            f"SELECT assignment_group, count(DISTINCT customer_id) FROM {OFFERS_TABLE} WHERE as_of_date = ? "
            "GROUP BY 1 ORDER BY 1",
            [last.day],
        ).fetchall()
    rows = sum(o.stats["rows"] for o in outcomes)
    context.log.info(f"{len(outcomes)} day(s), {rows} offers; last day {last.day}: {last.stats}")
    metadata = {
        "dagster/row_count": rows,
        "last_day": last.day.isoformat(),
        "days_not_ranked_in_backfill": len(partition_days(context)) - len(outcomes),
        "mode": last.mode,
        "customers_with_offers": last.stats["customers_with_offers"],
        "contactable_customers": last.stats["contactable"],
        "expected_value_treatment": round(sum(r[4] for r in mix), 2),
        "groups": MetadataValue.md(markdown_table(["group", "customers"], groups)),
        "not_contactable": MetadataValue.md(
            markdown_table(["reason", "customers"], sorted(last.stats["not_contactable"].items()))
        ),
    }
    if mix:
        metadata["offer_mix"] = MetadataValue.md(
            "Treatment group, last day.\n\n"
            + markdown_table(
                ["offer", "ranked first", "offered", "mean P(accept)", "expected value"],
                [(o, f, n, f"{p:.3f}", f"{ev:.2f}") for o, f, n, p, ev in mix],
            )
        )
    if last.model is not None:
        metadata["propensity_model"] = f"{last.model.kind} {last.model.version}"
        metadata["propensity_metrics"] = MetadataValue.json(last.model.metrics)
    return MaterializeResult(metadata=metadata)


def _rank(warehouse: Warehouse, rules: NboRules, days: list) -> list[DayOutcome]:
    if on_spark(warehouse):
        from spark_engine.connection import SparkConnection
        from spark_engine.nbo import run_day_on_spark

        spark, partitions = warehouse.session(), pipeline_config()["spark"]["scoring_partitions"]
        models = Models(SparkConnection(spark), rules, paths().models)
        return [run_day_on_spark(spark, rules, day, models, partitions) for day in days]
    with warehouse.get_connection() as con:
        models = Models(con, rules, paths().models)
        return [run_day(con, rules, day, models) for day in days]


def _last_day(con):
    return con.execute(f"SELECT max(as_of_date) FROM {OFFERS_TABLE}").fetchall()[0][0]


@asset_check(
    asset=OFFERS_KEY,
    description=(
        "On the last day no offer goes to a customer without opt-in, unsubscribed, at the contact cap, for an "
        "offer declined within the cool-down, or outside the offer's validity window."
    ),
)
def offers_respect_contact_policy(warehouse: Warehouse) -> AssetCheckResult:
    policy = _rules().contact_policy
    with warehouse.get_connection() as con:
        day = _last_day(con)
        if day is None:
            return AssetCheckResult(passed=True, metadata={"note": "no offers yet"})
        counts = con.execute(
            f"""
            SELECT
                count(*) FILTER (WHERE ? AND NOT c.marketing_opt_in),
                count(*) FILTER (WHERE ? AND c.unsubscribed),
                count(*) FILTER (WHERE c.offers_shown_in_period >= ?),
                count(*) FILTER (WHERE ',' || c.declined_offer_ids || ',' LIKE '%,' || o.offer_id || ',%'),
                count(*) FILTER (WHERE k.offer_id IS NOT NULL
                    AND (k.valid_from > o.as_of_date OR k.valid_to < o.as_of_date))
            FROM {OFFERS_TABLE} o
            JOIN {CONTEXT} c ON c.as_of_date = o.as_of_date AND c.customer_id = o.customer_id
            LEFT JOIN {CATALOG} k ON k.offer_id = o.offer_id
            WHERE o.as_of_date = ?
            """,
            [policy.require_marketing_opt_in, policy.exclude_unsubscribed, policy.max_offers_per_period, day],
        ).fetchall()[0]
    names = ("no_opt_in", "unsubscribed", "at_contact_cap", "declined_in_cooldown", "outside_validity")
    found = dict(zip(names, counts, strict=True))
    return AssetCheckResult(
        passed=sum(counts) == 0, severity=AssetCheckSeverity.ERROR, metadata={"day": str(day)} | found
    )


@asset_check(
    asset=OFFERS_KEY,
    description="On the last day every customer has at most top_k offers (explore: one), ranked 1..n without gaps.",
)
def offers_within_cap(warehouse: Warehouse) -> AssetCheckResult:
    top_k = _rules().top_k
    with warehouse.get_connection() as con:
        day = _last_day(con)
        if day is None:
            return AssetCheckResult(passed=True, metadata={"note": "no offers yet"})
        over, gaps = con.execute(
            f"""
            SELECT
                count(*) FILTER (WHERE n > CASE WHEN grp = 'explore' THEN 1 ELSE ? END),
                count(*) FILTER (WHERE max_rank <> n OR distinct_offers <> n)
            FROM (
                SELECT customer_id, any_value(assignment_group) AS grp, count(*) AS n, max(rank) AS max_rank,
                       count(DISTINCT offer_id) AS distinct_offers
                FROM {OFFERS_TABLE} WHERE as_of_date = ? GROUP BY customer_id
            )
            """,
            [top_k, day],
        ).fetchall()[0]
    return AssetCheckResult(
        passed=over == 0 and gaps == 0,
        severity=AssetCheckSeverity.ERROR,
        metadata={"day": str(day), "customers_over_cap": over, "customers_with_rank_gaps": gaps},
    )


@asset_check(
    asset=OFFERS_KEY,
    description=f"On the last day at least {MIN_COVERAGE:.0%} of the contactable customers have an offer.",
)
def offers_cover_contactable_customers(warehouse: Warehouse) -> AssetCheckResult:
    policy = _rules().contact_policy
    with warehouse.get_connection() as con:
        day = _last_day(con)
        if day is None:
            return AssetCheckResult(passed=True, metadata={"note": "no offers yet"})
        contactable, covered = con.execute(
            f"""
            SELECT count(*), count(o.customer_id)
            FROM {CONTEXT} c
            LEFT JOIN (SELECT DISTINCT customer_id FROM {OFFERS_TABLE} WHERE as_of_date = ?) o USING (customer_id)
            WHERE c.as_of_date = ?
              AND (NOT ? OR c.marketing_opt_in)
              AND (NOT ? OR NOT c.unsubscribed)
              AND c.offers_shown_in_period < ?
            """,
            [day, day, policy.require_marketing_opt_in, policy.exclude_unsubscribed, policy.max_offers_per_period],
        ).fetchall()[0]
    share = covered / contactable if contactable else 1.0
    return AssetCheckResult(
        passed=share >= MIN_COVERAGE,
        severity=AssetCheckSeverity.WARN,
        metadata={"day": str(day), "contactable": contactable, "with_offers": covered, "share": round(share, 4)},
    )


nbo_checks = [offers_respect_contact_policy, offers_within_cap, offers_cover_contactable_customers]
