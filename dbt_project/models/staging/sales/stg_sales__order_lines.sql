with

source as (

    select * from {{ source('sales', 'order_lines') }}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['order_id', 'line_number']) }} as version_rank,
        {{ first_landed_date(['order_id', 'line_number']) }} as first_landed_date
    from source

),

renamed as (

    select
        order_id || '-' || cast(line_number as {{ dbt.type_string() }}) as order_line_id,
        order_id,
        line_number,
        product_id,
        quantity,
        unit_price,
        line_amount,
        _partition_date as landed_date,
        first_landed_date,
        _source_file as source_file,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from renamed
