{#
    One row per customer: the golden record, the latest daily metrics row and lifetime
    totals. Rebuilt every run (after the incremental models).
#}
with

customers as (

    select * from {{ ref('dim_customer') }}

),

activities as (

    select * from {{ ref('fct_customer_activity') }}
    where customer_id is not null

),

-- Every customer has a row on each day of a run's window, so the table's last day holds the
-- latest row of nearly all of them: ranking all of history would cost what history holds.
-- (The metrics are read through ref(), not one import CTE: a CTE read three times is
-- materialized whole by DuckDB, every row of every day.)
on_last_day as (

    select
        daily_metrics.*,
        1 as recency_rank
    from {{ ref('customer_daily_metrics') }} as daily_metrics
    where date = (select max(date) from {{ ref('customer_daily_metrics') }})

),

-- customers without a row on that day (none after a run that reached it): their own latest
behind as (

    select customer_id from customers
    where customer_id not in (select customer_id from on_last_day)

),

latest_metrics as (

    select * from on_last_day
    union all
    select *
    from (
        select
            daily_metrics.*,
            row_number() over (partition by customer_id order by date desc) as recency_rank
        from {{ ref('customer_daily_metrics') }} as daily_metrics
        where customer_id in (select customer_id from behind)
    ) ranked
    where recency_rank = 1

),

lifetime as (

    select
        customer_id,
        sum(case when activity_type = 'order_placed' then 1 else 0 end) as lifetime_orders,
        sum(case when activity_type in ('order_placed', 'order_returned') then {{ in_cents('amount') }} else 0 end)
            / 100.0 as lifetime_revenue,
        sum(case when activity_type = 'order_returned' then 1 else 0 end) as lifetime_returns,
        sum(case when activity_type = 'ticket_opened' then 1 else 0 end) as lifetime_tickets,
        sum(case when activity_type = 'payment_succeeded' then {{ in_cents('amount') }} else 0 end) / 100.0 as lifetime_payments,
        min(case when activity_category <> 'operational' then activity_at end) as first_activity_at,
        max(case when activity_category <> 'operational' then activity_at end) as last_activity_at,
        count(*) as lifetime_activities
    from activities
    group by customer_id

),

final as (

    select
        customers.customer_id,
        customers.first_name,
        customers.last_name,
        customers.full_name,
        customers.email,
        customers.phone,
        customers.city,
        customers.postal_code,
        customers.country,
        customers.marketing_opt_in,
        customers.crm_id,
        customers.billing_account_id,
        customers.first_seen_date,
        customers.has_marketing,
        customers.has_sales,
        customers.has_support,
        customers.has_finance,
        customers.source_record_count,
        cast(latest_metrics.date as date) as metrics_date,
        latest_metrics.engagement_score,
        latest_metrics.experience_score,
        latest_metrics.has_experience_signal,
        latest_metrics.is_active,
        latest_metrics.subscription_status,
        latest_metrics.active_subscriptions,
        latest_metrics.current_mrr,
        latest_metrics.days_since_last_purchase,
        latest_metrics.days_since_last_engagement,
        latest_metrics.orders_30d,
        latest_metrics.revenue_30d,
        latest_metrics.orders_90d,
        latest_metrics.revenue_90d,
        latest_metrics.email_opens_30d,
        latest_metrics.email_clicks_30d,
        latest_metrics.web_visits_30d,
        latest_metrics.event_registrations_90d,
        latest_metrics.tickets_opened_30d,
        latest_metrics.open_tickets,
        latest_metrics.avg_resolution_hours_90d,
        latest_metrics.escalations_90d,
        latest_metrics.last_nps,
        latest_metrics.avg_csat_90d,
        latest_metrics.avg_effort_90d,
        latest_metrics.failed_payments_90d,
        latest_metrics.late_payments_90d,
        cast(coalesce(lifetime.lifetime_orders, 0) as {{ dbt.type_int() }}) as lifetime_orders,
        cast(round(coalesce(lifetime.lifetime_revenue, 0), 2) as {{ type_double() }}) as lifetime_revenue,
        cast(coalesce(lifetime.lifetime_returns, 0) as {{ dbt.type_int() }}) as lifetime_returns,
        cast(coalesce(lifetime.lifetime_tickets, 0) as {{ dbt.type_int() }}) as lifetime_tickets,
        cast(round(coalesce(lifetime.lifetime_payments, 0), 2) as {{ type_double() }}) as lifetime_payments,
        cast(coalesce(lifetime.lifetime_activities, 0) as {{ dbt.type_bigint() }}) as lifetime_activities,
        cast(lifetime.first_activity_at as {{ dbt.type_timestamp() }}) as first_activity_at,
        cast(lifetime.last_activity_at as {{ dbt.type_timestamp() }}) as last_activity_at
    from customers
    left join latest_metrics
        on customers.customer_id = latest_metrics.customer_id
    left join lifetime
        on customers.customer_id = lifetime.customer_id

)

select * from final
