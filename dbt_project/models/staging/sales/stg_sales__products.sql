with

source as (

    select * from {{ source('sales', 'products') }}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['product_id']) }} as version_rank,
        {{ first_landed_date(['product_id']) }} as first_landed_date
    from source

),

renamed as (

    select
        product_id,
        {{ clean_text('product_name') }} as product_name,
        {{ clean_text('category') }} as product_category,
        list_price,
        _partition_date as landed_date,
        first_landed_date,
        _source_file as source_file,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from renamed
