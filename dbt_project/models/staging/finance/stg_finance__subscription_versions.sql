{#
    Every delivered version of every subscription (finance delivers a subscription again
    when it changes: upgrade, cancellation): one row per subscription and landing day
    (the last row of that day's file), in landing order, with the previous version's
    plan, MRR and status. The history behind subscription_started / _changed /
    _cancelled activities; stg_finance__subscriptions keeps only the latest version.
#}
with

source as (

    select * from {{ source('finance', 'subscriptions') }}

),

daily_versions as (

    select
        source.*,
        row_number() over (
            partition by subscription_id, _partition_date
            order by _row_number desc, _source_file desc
        ) as day_rank
    from source

),

sequenced as (

    select
        daily_versions.*,
        row_number() over (partition by subscription_id order by _partition_date) as version_number,
        lag(plan) over (partition by subscription_id order by _partition_date) as previous_plan,
        lag(mrr) over (partition by subscription_id order by _partition_date) as previous_mrr,
        lag(status) over (partition by subscription_id order by _partition_date) as previous_status
    from daily_versions
    where day_rank = 1

),

renamed as (

    select
        subscription_id || '@' || cast(_partition_date as {{ dbt.type_string() }}) as subscription_version_id,
        subscription_id,
        version_number,
        account_id,
        plan,
        mrr,
        status as subscription_status,
        started_at,
        cancelled_at,
        updated_at,
        previous_plan,
        previous_mrr,
        previous_status as previous_subscription_status,
        _partition_date as landed_date,
        _source_file as source_file,
        _loaded_at as loaded_at
    from sequenced

)

select * from renamed
