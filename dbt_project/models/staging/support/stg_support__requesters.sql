with

source as (

    select * from {{ source('support', 'requesters') }}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['requester_id']) }} as version_rank,
        {{ first_landed_date(['requester_id']) }} as first_landed_date
    from source

),

latest as (

    select
        versions.*,
        {{ normalize_name('name') }} as full_name_normalized
    from versions
    where version_rank = 1

),

renamed as (

    select
        requester_id,
        {{ clean_text('name') }} as full_name,
        {{ first_name_of(clean_text('name')) }} as first_name,
        {{ last_name_of(clean_text('name')) }} as last_name,
        full_name_normalized,
        {{ first_name_of('full_name_normalized') }} as first_name_normalized,
        {{ last_name_of('full_name_normalized') }} as last_name_normalized,
        {{ clean_email('email') }} as email,
        {{ normalize_email('email') }} as email_normalized,
        {{ clean_text('phone') }} as phone,
        {{ normalize_phone('phone') }} as phone_normalized,
        {{ clean_text('crm_id') }} as crm_id,
        created_at,
        _partition_date as landed_date,
        first_landed_date,
        _source_file as source_file,
        _loaded_at as loaded_at
    from latest

)

select * from renamed
