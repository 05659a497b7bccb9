with

source as (

    select * from {{ source('marketing', 'event_registrations') }}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['registration_id']) }} as version_rank,
        {{ first_landed_date(['registration_id']) }} as first_landed_date,
        {{ first_landed_where('attended', ['registration_id']) }} as attended_landed_date
    from source

),

renamed as (

    select
        registration_id,
        contact_id,
        {{ clean_text('event_name') }} as event_name,
        event_type,
        registered_at,
        coalesce(attended, false) as attended,
        _partition_date as landed_date,
        first_landed_date,
        attended_landed_date,
        _source_file as source_file,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from renamed
