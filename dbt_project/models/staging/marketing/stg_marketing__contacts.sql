with

source as (

    select * from {{ source('marketing', 'contacts') }}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['contact_id']) }} as version_rank,
        {{ first_landed_date(['contact_id']) }} as first_landed_date
    from source

),

renamed as (

    select
        contact_id,
        {{ clean_email('email') }} as email,
        {{ normalize_email('email') }} as email_normalized,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ normalize_name('first_name') }} as first_name_normalized,
        {{ normalize_name('last_name') }} as last_name_normalized,
        {{ clean_text('phone') }} as phone,
        {{ normalize_phone('phone') }} as phone_normalized,
        {{ normalize_country('country') }} as country,
        {{ clean_text('crm_id') }} as crm_id,
        marketing_opt_in,
        created_at,
        updated_at,
        _partition_date as landed_date,
        first_landed_date,
        _source_file as source_file,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from renamed
