with

source as (

    select * from {{ source('finance', 'payments') }}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['payment_id']) }} as version_rank,
        {{ first_landed_date(['payment_id']) }} as first_landed_date
    from source

),

renamed as (

    select
        payment_id,
        invoice_id,
        account_id,
        attempted_at,
        amount as payment_amount,
        status as payment_status,
        method as payment_method,
        _partition_date as landed_date,
        first_landed_date,
        _source_file as source_file,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from renamed
