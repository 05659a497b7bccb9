{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'customer_daily_metrics'}}}) }}
-- No metrics row is dated before its customer was first seen. A warning, not an error: when
-- identity resolution splits a customer and the part that keeps the id was seen later, the
-- rows written before the split stay as they were (past windows are not recomputed) until
-- those days are backfilled. The customers it lists are the ones whose history is stale.
select metrics.customer_id, min(metrics.date) as first_date, min(customers.first_seen_date) as first_seen_date
from {{ ref('customer_daily_metrics') }} metrics
inner join {{ ref('dim_customer') }} customers
    on metrics.customer_id = customers.customer_id
group by metrics.customer_id
having min(metrics.date) < min(customers.first_seen_date)
