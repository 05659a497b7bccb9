{{ config(**incremental_window_config('date')) }}
{#
    Does a better experience go with more engagement and less churn, on this company's own
    data? Per date of the landing window and experience band (macros/scores.sql):
      - engagement of the day: customers, mean engagement score, share active;
      - churn: the customers who were in the band `horizon` days earlier and were eligible,
        and how many of them churned by this date (features.churn_labels, whose rows for
        as_of_date D − horizon are written by the run of D: known today, not before).
    Incremental on date like cx_kpis_daily, so a backfill of day D reproduces its night.
#}
{%- set horizon = var('churn_horizon_days') | int -%}

with

metrics as (

    select * from {{ ref('customer_daily_metrics') }}

),

labels as (

    select * from {{ ref('churn_labels') }}

),

today as (

    select
        date,
        {{ experience_band('experience_score', 'has_experience_signal') }} as experience_band,
        count(*) as customers,
        -- decimal averages: exact sums, so a backfill reproduces the nightly values to the digit
        avg(cast(experience_score as decimal(18, 6))) as avg_experience_score,
        avg(cast(engagement_score as decimal(18, 6))) as avg_engagement_score,
        avg(case when is_active then 1.0 else 0.0 end) as active_share
    from metrics
    where {{ in_landing_window('date') }}
    group by 1, 2

),

horizon_ago as (

    select
        cast({{ dbt.dateadd('day', horizon, 'metrics.date') }} as date) as date,
        {{ experience_band('metrics.experience_score', 'metrics.has_experience_signal') }} as experience_band,
        sum(case when labels.subscription_eligible then 1 else 0 end) as subscribers_then,
        sum(case when labels.churned_subscription then 1 else 0 end) as subscription_churned,
        sum(case when labels.transactional_eligible then 1 else 0 end) as buyers_then,
        sum(case when labels.churned_transactional then 1 else 0 end) as transactional_churned
    from metrics
    inner join labels
        on metrics.customer_id = labels.customer_id
        and metrics.date = labels.as_of_date
    where metrics.date >= {{ dbt.dateadd('day', -horizon, window_start()) }}
      and metrics.date < {{ dbt.dateadd('day', -horizon, window_end()) }}
    group by 1, 2

),

final as (

    select
        cast(today.date as date) as date,
        cast(today.experience_band as {{ dbt.type_string() }}) as experience_band,
        cast(today.customers as {{ dbt.type_int() }}) as customers,
        cast(round(today.avg_experience_score, 2) as {{ type_double() }}) as avg_experience_score,
        cast(round(today.avg_engagement_score, 2) as {{ type_double() }}) as avg_engagement_score,
        cast(round(today.active_share, 4) as {{ type_double() }}) as active_share,
        cast({{ horizon }} as {{ dbt.type_int() }}) as churn_horizon_days,
        cast(coalesce(horizon_ago.subscribers_then, 0) as {{ dbt.type_int() }}) as subscribers_then,
        cast(coalesce(horizon_ago.subscription_churned, 0) as {{ dbt.type_int() }}) as subscription_churned,
        cast(round(1.0 * horizon_ago.subscription_churned / nullif(horizon_ago.subscribers_then, 0), 4)
            as {{ type_double() }}) as subscription_churn_rate,
        cast(coalesce(horizon_ago.buyers_then, 0) as {{ dbt.type_int() }}) as buyers_then,
        cast(coalesce(horizon_ago.transactional_churned, 0) as {{ dbt.type_int() }}) as transactional_churned,
        cast(round(1.0 * horizon_ago.transactional_churned / nullif(horizon_ago.buyers_then, 0), 4)
            as {{ type_double() }}) as transactional_churn_rate
    from today
    left join horizon_ago
        on today.date = horizon_ago.date
        and today.experience_band = horizon_ago.experience_band

)

select * from final
