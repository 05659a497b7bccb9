{{ config(meta={'dagster': {'ref': {'name': 'customer_daily_metrics'}}}) }}
-- customer_daily_metrics has one row per customer per date with no gaps: from its first
-- row to its last, every day is there (churn_features reads the rows 30, 60 and 90 days back).
with per_customer as (
    select
        customer_id,
        min(date) as first_date,
        max(date) as last_date,
        count(*) as n_rows
    from {{ ref('customer_daily_metrics') }}
    group by customer_id
)
select *
from per_customer
where n_rows <> {{ dbt.datediff('first_date', 'last_date', 'day') }} + 1
