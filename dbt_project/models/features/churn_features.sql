{{ config(**incremental_window_config('as_of_date')) }}
{#
    Point-in-time churn features: one row per customer known on each as_of_date of the
    landing window. Everything comes from customer_daily_metrics, whose row for a date
    uses only what had landed by that date, so a feature row never sees the future and a
    backfill of day D rebuilds exactly the row the nightly run of D wrote. The trend
    features compare the last 30 days with the three 30-day periods before, read from the
    metrics rows of 30, 60 and 90 days earlier (NULL when the customer was not known then).
#}
{%- set inactivity_days = var('churn_inactivity_days') -%}

with

metrics as (

    select * from {{ ref('customer_daily_metrics') }}
    where date >= {{ dbt.dateadd('day', -90, window_start()) }}
      and {{ landed_before_window_end('date') }}

),

customers as (

    select customer_id, first_record_created_at from {{ ref('dim_customer') }}

),

as_of as (

    select * from metrics
    where {{ in_landing_window('date') }}

),

-- customer-initiated actions and cancellation signals per customer and known date
recent_activity as (

    select
        customer_id,
        known_date,
        sum(case when activity_category in ('engagement', 'both') then 1 else 0 end) as actions,
        sum(
            case
                when activity_type = 'help_article_view' and detail like '%cancel%' then 1
                when activity_type = 'ticket_opened' and detail = 'cancellation' then 1
                else 0
            end
        ) as cancel_signals
    from {{ ref('fct_customer_activity') }}
    where customer_id is not null
      and known_date >= {{ dbt.dateadd('day', -29, window_start()) }}
      and {{ landed_before_window_end('landed_date') }}
    group by customer_id, known_date

),

recent as (

    select
        as_of.customer_id,
        as_of.date,
        sum(case when recent_activity.known_date > {{ dbt.dateadd('day', -14, 'as_of.date') }}
            then recent_activity.actions else 0 end) as actions_14d,
        sum(case when recent_activity.known_date <= {{ dbt.dateadd('day', -14, 'as_of.date') }}
            and recent_activity.known_date > {{ dbt.dateadd('day', -28, 'as_of.date') }}
            then recent_activity.actions else 0 end) as actions_prior_14d,
        sum(recent_activity.cancel_signals) as cancel_signals_30d
    from as_of
    inner join recent_activity
        on recent_activity.customer_id = as_of.customer_id
        and recent_activity.known_date > {{ dbt.dateadd('day', -30, 'as_of.date') }}
        and recent_activity.known_date <= as_of.date
    group by as_of.customer_id, as_of.date

),

history as (

    select
        as_of.customer_id,
        as_of.date,
        m30.engagement_points_30d as engagement_points_prev_30d,
        m60.engagement_points_30d as engagement_points_prev_60d,
        m90.engagement_points_30d as engagement_points_prev_90d,
        m30.experience_score as experience_score_30d_ago,
        m90.current_mrr as mrr_90d_ago
    from as_of
    left join metrics as m30
        on m30.customer_id = as_of.customer_id
        and m30.date = {{ dbt.dateadd('day', -30, 'as_of.date') }}
    left join metrics as m60
        on m60.customer_id = as_of.customer_id
        and m60.date = {{ dbt.dateadd('day', -60, 'as_of.date') }}
    left join metrics as m90
        on m90.customer_id = as_of.customer_id
        and m90.date = {{ dbt.dateadd('day', -90, 'as_of.date') }}

),

final as (

    select
        as_of.date as as_of_date,
        as_of.customer_id,
        as_of.active_subscriptions > 0 as is_subscriber,
        coalesce(as_of.days_since_last_purchase < {{ inactivity_days }}, false) as is_recent_buyer,
        {{ dbt.datediff('customers.first_record_created_at', 'as_of.date', 'day') }} as tenure_days,
        as_of.days_since_last_purchase,
        as_of.days_since_last_engagement,
        as_of.orders_30d,
        as_of.orders_90d,
        as_of.revenue_30d,
        as_of.revenue_90d,
        as_of.email_opens_30d,
        as_of.email_clicks_30d,
        as_of.web_visits_30d,
        as_of.event_registrations_90d,
        as_of.engagement_points_30d,
        as_of.engagement_score,
        coalesce(recent.actions_14d, 0) as actions_14d,
        coalesce(recent.actions_prior_14d, 0) as actions_prior_14d,
        cast(
            (as_of.engagement_points_30d + 1.0)
            / (
                (
                    coalesce(history.engagement_points_prev_30d, 0)
                    + coalesce(history.engagement_points_prev_60d, 0)
                    + coalesce(history.engagement_points_prev_90d, 0)
                ) / 3.0 + 1.0
            ) as double
        ) as engagement_trend,
        coalesce(recent.cancel_signals_30d, 0) as cancel_signals_30d,
        as_of.experience_score,
        as_of.experience_score - history.experience_score_30d_ago as experience_change_30d,
        as_of.experience_signals_90d,
        as_of.last_nps,
        as_of.avg_csat_90d,
        as_of.avg_effort_90d,
        as_of.tickets_opened_30d,
        as_of.open_tickets,
        as_of.avg_resolution_hours_90d,
        as_of.escalations_90d,
        as_of.failed_payments_90d,
        as_of.late_payments_90d,
        as_of.active_subscriptions,
        as_of.current_mrr,
        as_of.current_mrr - coalesce(history.mrr_90d_ago, 0) as mrr_change_90d,
        -- what losing the customer would cost in a year: recurring revenue plus the
        -- last quarter's net orders, annualised
        cast(12 * as_of.current_mrr + 4 * greatest(as_of.revenue_90d, 0) as double) as annual_value
    from as_of
    left join history
        on history.customer_id = as_of.customer_id
        and history.date = as_of.date
    left join recent
        on recent.customer_id = as_of.customer_id
        and recent.date = as_of.date
    left join customers
        on customers.customer_id = as_of.customer_id

)

select * from final
