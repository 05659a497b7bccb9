{%- set key = ['subscription_id'] -%}
{%- set is_cancelled = "(status = 'cancelled')" -%}
with

source as (

    select * from {{ source('finance', 'subscriptions') }}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(key) }} as version_rank,
        count(*) over (partition by subscription_id) as version_count,
        {{ first_landed_date(key) }} as first_landed_date,
        {{ value_at_first_version('mrr', key) }} as start_mrr,
        {{ value_at_first_version('plan', key) }} as start_plan,
        -- first landing of the cancellation: stable once landed (see macros/versions.sql)
        {{ first_landed_where(is_cancelled, key) }} as cancelled_landed_date,
        {{ value_at_first_where('coalesce(cancelled_at, updated_at)', is_cancelled, key) }} as first_cancelled_at,
        {{ value_at_first_where('mrr', is_cancelled, key) }} as cancelled_mrr
    from source

),

renamed as (

    select
        subscription_id,
        account_id,
        plan,
        mrr,
        status as subscription_status,
        started_at,
        cancelled_at,
        updated_at,
        version_count,
        start_plan,
        start_mrr,
        _partition_date as landed_date,
        first_landed_date,
        cancelled_landed_date,
        case when cancelled_landed_date is not null then first_cancelled_at end as first_cancelled_at,
        case when cancelled_landed_date is not null then cancelled_mrr end as cancelled_mrr,
        _source_file as source_file,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from renamed
