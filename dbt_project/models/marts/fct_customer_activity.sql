{{
    config(
        post_hook=["{{ remap_customer_ids(this, ref('customer_identity_map')) }}"],
        **incremental_window_config('landed_date')
    )
}}
{#
    Every activity of every customer, one row per activity_id, incremental on the
    landing window: a run (re)writes the rows whose landed_date is in
    [min_date, max_date). Rows only depend on data landed by their landed_date, so a
    backfill reproduces the nightly run. customer_id follows the current identity map
    (the post-hook re-points earlier windows after merges or late person-records).
#}
with

activities as (

    select * from {{ ref('int_activity_events_unioned') }}
    where {{ in_landing_window('landed_date') }}

),

identity_map as (

    select * from {{ ref('customer_identity_map') }}

),

final as (

    select
        cast(activities.activity_id as {{ dbt.type_string() }}) as activity_id,
        cast(identity_map.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(activities.activity_at as {{ dbt.type_timestamp() }}) as activity_at,
        cast(activities.activity_date as date) as activity_date,
        cast(activities.landed_date as date) as landed_date,
        cast(
            case
                when activities.activity_date > activities.landed_date then activities.activity_date
                else activities.landed_date
            end as date
        ) as known_date,
        cast(activities.source_system as {{ dbt.type_string() }}) as source_system,
        cast(activities.source_record_id as {{ dbt.type_string() }}) as source_record_id,
        cast(activities.activity_type as {{ dbt.type_string() }}) as activity_type,
        cast(activities.activity_category as {{ dbt.type_string() }}) as activity_category,
        cast(activities.amount as {{ type_double() }}) as amount,
        cast(activities.score as {{ type_double() }}) as score,
        cast(activities.duration_hours as {{ type_double() }}) as duration_hours,
        cast(activities.reference_id as {{ dbt.type_string() }}) as reference_id,
        cast(activities.detail as {{ dbt.type_string() }}) as detail
    from activities
    left join identity_map
        on activities.source_system = identity_map.source_system
        and activities.source_record_id = identity_map.source_record_id

)

select * from final
