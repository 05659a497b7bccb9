{{ config(meta={'dagster': {'ref': {'name': 'customer_daily_metrics'}}}) }}
-- customer_daily_metrics has one row per customer per date with no gaps: from its first
-- row to its last, every day is there (churn_features reads the rows 30, 60 and 90 days back).
-- A run writes the dates of its landing window, so this reads those rows and the day before
-- them: each customer's rows of the run are consecutive, and a customer with a row the day
-- before starts on the window's first day. Earlier rows were checked by the runs that wrote
-- them, and the nightly cost does not grow with history.
with

run_rows as (

    select
        customer_id,
        min(date) as first_date,
        max(date) as last_date,
        count(*) as n_rows
    from {{ ref('customer_daily_metrics') }}
    where {{ in_landing_window('date') }}
    group by customer_id

),

day_before as (

    select customer_id
    from {{ ref('customer_daily_metrics') }}
    where date = {{ day_before_window() }}

)

select run_rows.*
from run_rows
left join day_before
    on run_rows.customer_id = day_before.customer_id
where run_rows.n_rows <> {{ dbt.datediff('run_rows.first_date', 'run_rows.last_date', 'day') }} + 1
    or (day_before.customer_id is not null and run_rows.first_date > {{ window_start() }})
