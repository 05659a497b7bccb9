{{ config(meta={'dagster': {'ref': {'name': 'customer_daily_metrics'}}}) }}
-- customer_daily_metrics has one row per customer per date with no gaps: from its first
-- row to its last, every day is there, and no row is dated before the customer was known.
with per_customer as (
    select
        metrics.customer_id,
        min(metrics.date) as first_date,
        max(metrics.date) as last_date,
        count(*) as n_rows,
        min(customers.first_seen_date) as first_seen_date
    from {{ ref('customer_daily_metrics') }} metrics
    left join {{ ref('dim_customer') }} customers
        on metrics.customer_id = customers.customer_id
    group by metrics.customer_id
)
select *
from per_customer
where n_rows <> {{ dbt.datediff('first_date', 'last_date', 'day') }} + 1
   or first_date < first_seen_date
