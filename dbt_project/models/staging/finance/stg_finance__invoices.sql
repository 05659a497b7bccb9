with

source as (

    select * from {{ source('finance', 'invoices') }}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['invoice_id']) }} as version_rank,
        {{ first_landed_date(['invoice_id']) }} as first_landed_date
    from source

),

renamed as (

    select
        invoice_id,
        account_id,
        subscription_id,
        issued_at,
        due_date,
        amount as invoice_amount,
        upper({{ clean_text('currency') }}) as currency,
        _partition_date as landed_date,
        first_landed_date,
        _source_file as source_file,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from renamed
