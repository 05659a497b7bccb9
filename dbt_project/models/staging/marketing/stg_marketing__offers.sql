with

source as (

    select * from {{ source('marketing', 'offers') }}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['offer_id']) }} as version_rank,
        {{ first_landed_date(['offer_id']) }} as first_landed_date
    from source

),

renamed as (

    select
        offer_id,
        {{ clean_text('offer_name') }} as offer_name,
        {{ clean_text('product_category') }} as product_category,
        offer_type,
        value as offer_value,
        margin,
        channel,
        valid_from,
        valid_to,
        _partition_date as landed_date,
        first_landed_date,
        _source_file as source_file,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from renamed
