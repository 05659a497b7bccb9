with

source as (

    select * from {{ source('sales', 'orders') }}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['order_id']) }} as version_rank,
        {{ first_landed_date(['order_id']) }} as first_landed_date,
        {{ value_at_first_version('status', ['order_id']) }} as first_status
    from source

),

renamed as (

    select
        order_id,
        crm_id,
        ordered_at,
        channel as order_channel,
        status as order_status,
        first_status as first_order_status,
        upper({{ clean_text('currency') }}) as currency,
        _partition_date as landed_date,
        first_landed_date,
        _source_file as source_file,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from renamed
