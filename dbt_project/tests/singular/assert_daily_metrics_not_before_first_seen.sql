{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'customer_daily_metrics'}}}) }}
-- No metrics row is dated before its customer was first seen. It reads the run's rows and the
-- day before them (the nightly cost does not grow with history). A warning, not an error: when
-- identity resolution splits a customer and the part that keeps the id was seen later, the
-- rows written before the split stay as they were (past windows are not recomputed) until
-- those days are backfilled; the night of the split lists that customer when its first
-- sighting moved past the day before the run.
select metrics.customer_id, min(metrics.date) as first_date, min(customers.first_seen_date) as first_seen_date
from {{ ref('customer_daily_metrics') }} metrics
inner join {{ ref('dim_customer') }} customers
    on metrics.customer_id = customers.customer_id
where metrics.date >= {{ day_before_window() }}
    and metrics.date < {{ window_end() }}
group by metrics.customer_id
having min(metrics.date) < min(customers.first_seen_date)
