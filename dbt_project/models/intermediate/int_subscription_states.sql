{#
    One row per subscription: its current state (latest version) and the facts of its
    start and cancellation as first landed (stable knowledge dates for the activity fact).
#}
with

subscriptions as (

    select * from {{ ref('stg_finance__subscriptions') }}

),

states as (

    select
        subscription_id,
        account_id,
        plan,
        mrr,
        subscription_status,
        subscription_status = 'active' as is_active,
        started_at,
        {{ to_date('started_at') }} as started_date,
        coalesce(cancelled_at, first_cancelled_at) as cancelled_at,
        start_plan,
        start_mrr,
        mrr - start_mrr as mrr_change_since_start,
        first_cancelled_at,
        cancelled_mrr,
        {{ dbt.datediff(
            'started_at',
            "coalesce(cancelled_at, first_cancelled_at, cast(landed_date as " ~ dbt.type_timestamp() ~ "))",
            'day') }} as tenure_days,
        version_count,
        first_landed_date,
        cancelled_landed_date,
        landed_date
    from subscriptions

)

select * from states
