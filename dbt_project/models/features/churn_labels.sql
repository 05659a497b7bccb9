{{ config(**incremental_window_config('as_of_date', window_column='horizon_end_date')) }}
{#
    What happened after each as_of_date, for training: one row per customer and as_of_date
    whose horizon [as_of_date + 1, as_of_date + H] ends inside the landing window, i.e. the
    run of day as_of_date + H is the first that knows the label. The labels come from the
    customer_daily_metrics rows of the horizon days (what was known on each of them), so
    a model trained as of day T on labels with horizon_end_date <= T saw only data known by T.

    Two definitions (docs/architecture.md, "Churn"):
      subscription  - a subscriber on as_of_date whose last active subscription is
                      cancelled or lapses within the horizon;
      transactional - a customer who bought within the last C days and reaches C days
                      without a purchase within the horizon (no purchase for C days).
    Rows whose horizon is not fully covered by metrics rows of the same customer id (e.g.
    after an identity merge) are left out rather than labelled from partial data.
#}
{%- set horizon_days = var('churn_horizon_days') -%}
{%- set inactivity_days = var('churn_inactivity_days') -%}

with

metrics as (

    select customer_id, date, active_subscriptions, churned_today, days_since_last_purchase
    from {{ ref('customer_daily_metrics') }}
    where date >= {{ dbt.dateadd('day', -horizon_days, window_start()) }}
      and {{ landed_before_window_end('date') }}

),

horizon as (

    select
        customer_id,
        date as as_of_date,
        cast({{ dbt.dateadd('day', horizon_days, 'date') }} as date) as horizon_end_date,
        active_subscriptions > 0 as subscription_eligible,
        coalesce(days_since_last_purchase < {{ inactivity_days }}, false) as transactional_eligible,
        max(case when churned_today then 1 else 0 end) over following_days as cancellations_ahead,
        max(coalesce(days_since_last_purchase, 0)) over following_days as longest_gap_ahead,
        count(*) over following_days as days_observed
    from metrics
    window following_days as (
        partition by customer_id order by date
        rows between 1 following and {{ horizon_days }} following
    )

),

final as (

    select
        as_of_date,
        customer_id,
        horizon_end_date,
        subscription_eligible,
        transactional_eligible,
        subscription_eligible and cancellations_ahead = 1 as churned_subscription,
        transactional_eligible and longest_gap_ahead >= {{ inactivity_days }} as churned_transactional
    from horizon
    where days_observed = {{ horizon_days }}
      and {{ in_landing_window('horizon_end_date') }}

)

select * from final
{{ clustered_by('as_of_date') }}
