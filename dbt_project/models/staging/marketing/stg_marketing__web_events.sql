{{ config(**incremental_window_config('first_landed_date')) }}
{#
    Events are facts: one row per event as it first landed (the latest version of its first
    landing day), built incrementally on the landing window (macros/versions.sql).
#}
with

versions as (

    {{ first_landings_in_window(source('marketing', 'web_events'), 'event_id') }}

),

renamed as (

    select
        event_id,
        contact_id,
        event_type,
        {{ clean_text('page') }} as page,
        event_at,
        _partition_date as landed_date,
        first_landed_date,
        _source_file as source_file,
        _loaded_at as loaded_at
    from versions

)

select * from renamed
