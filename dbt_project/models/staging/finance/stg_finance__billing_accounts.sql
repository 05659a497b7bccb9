with

source as (

    select * from {{ source('finance', 'billing_accounts') }}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['account_id']) }} as version_rank,
        {{ first_landed_date(['account_id']) }} as first_landed_date
    from source

),

latest as (

    select
        versions.*,
        {{ normalize_name('account_name') }} as account_name_normalized
    from versions
    where version_rank = 1

),

renamed as (

    select
        account_id,
        {{ clean_text('account_name') }} as account_name,
        {{ first_name_of(clean_text('account_name')) }} as first_name,
        {{ last_name_of(clean_text('account_name')) }} as last_name,
        account_name_normalized,
        {{ first_name_of('account_name_normalized') }} as first_name_normalized,
        {{ last_name_of('account_name_normalized') }} as last_name_normalized,
        {{ clean_email('billing_email') }} as billing_email,
        {{ normalize_email('billing_email') }} as email_normalized,
        {{ clean_text('phone') }} as phone,
        {{ normalize_phone('phone') }} as phone_normalized,
        {{ clean_text('crm_id') }} as crm_id,
        {{ normalize_postal_code('postal_code') }} as postal_code,
        {{ normalize_country('country') }} as country,
        created_at,
        _partition_date as landed_date,
        first_landed_date,
        _source_file as source_file,
        _loaded_at as loaded_at
    from latest

)

select * from renamed
