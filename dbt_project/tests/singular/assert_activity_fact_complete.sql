{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_customer_activity'}}}) }}
-- fct_customer_activity holds every activity that landed up to its last landing day: a
-- missing row means a window was never built (a gap in the backfills) or the intermediate
-- tables changed after it was built (re-run the window).
with fact_end as (
    select max(landed_date) as last_landed_date from {{ ref('fct_customer_activity') }}
)
select unioned.activity_id, unioned.activity_type, unioned.landed_date
from {{ ref('int_activity_events_unioned') }} unioned
cross join fact_end
left join {{ ref('fct_customer_activity') }} activity
    on unioned.activity_id = activity.activity_id
where unioned.landed_date <= fact_end.last_landed_date
  and activity.activity_id is null
