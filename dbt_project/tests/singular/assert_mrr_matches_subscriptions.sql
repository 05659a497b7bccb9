{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'customer_daily_metrics'}}}) }}
-- On the last metrics date, each customer's MRR built from subscription events equals the
-- MRR of the active subscriptions of their billing accounts (latest versions). Differences
-- come only from versions landed after that date.
with last_date as (
    select max(date) as date from {{ ref('customer_daily_metrics') }}
),
from_events as (
    select metrics.customer_id, metrics.current_mrr
    from {{ ref('customer_daily_metrics') }} metrics
    inner join last_date on metrics.date = last_date.date
),
from_states as (
    select identity_map.customer_id, sum(states.mrr) as mrr
    from {{ ref('int_subscription_states') }} states
    inner join {{ ref('customer_identity_map') }} identity_map
        on identity_map.source_system = 'finance'
        and identity_map.source_record_id = states.account_id
    where states.is_active
    group by identity_map.customer_id
)
select from_events.customer_id, from_events.current_mrr, coalesce(from_states.mrr, 0) as mrr_of_active_subscriptions
from from_events
left join from_states
    on from_events.customer_id = from_states.customer_id
where abs(from_events.current_mrr - coalesce(from_states.mrr, 0)) > 0.01
