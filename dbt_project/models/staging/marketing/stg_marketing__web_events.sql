with

source as (

    select * from {{ source('marketing', 'web_events') }}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['event_id']) }} as version_rank,
        {{ first_landed_date(['event_id']) }} as first_landed_date
    from source

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
    where version_rank = 1

)

select * from renamed
