with

source as (

    select * from {{ source('support', 'surveys') }}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['survey_id']) }} as version_rank,
        {{ first_landed_date(['survey_id']) }} as first_landed_date
    from source

),

renamed as (

    select
        survey_id,
        requester_id,
        ticket_id,
        survey_type,
        score,
        {{ clean_text('comment') }} as comment,
        submitted_at,
        _partition_date as landed_date,
        first_landed_date,
        _source_file as source_file,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from renamed
