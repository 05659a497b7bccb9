{#
    One row per person-record of the four systems, in one shape, for identity resolution
    (ml/identity reads it and writes identity.resolved_identities) and for the golden
    record (dim_customer). Identifiers are normalised (macros/normalize.sql); the *_key
    columns are the matching keys (nicknames mapped through seeds/name_nicknames.csv).
#}
with

contacts as (

    select * from {{ ref('stg_marketing__contacts') }}

),

crm_customers as (

    select * from {{ ref('stg_sales__customers') }}

),

requesters as (

    select * from {{ ref('stg_support__requesters') }}

),

billing_accounts as (

    select * from {{ ref('stg_finance__billing_accounts') }}

),

nicknames as (

    select * from {{ ref('name_nicknames') }}

),

marketing_records as (

    select
        'marketing' as source_system,
        contact_id as source_record_id,
        email_normalized,
        phone_normalized,
        first_name_normalized as first_name,
        last_name_normalized as last_name,
        {{ join_name('first_name_normalized', 'last_name_normalized') }} as full_name,
        cast(null as {{ dbt.type_string() }}) as postal_code,
        country,
        crm_id as crm_reference,
        created_at as record_created_at,
        first_landed_date,
        updated_at as last_updated_at,
        -- as given (for display in the golden record)
        email,
        phone,
        first_name as given_first_name,
        last_name as given_last_name,
        cast(null as {{ dbt.type_string() }}) as street,
        cast(null as {{ dbt.type_string() }}) as city,
        marketing_opt_in,
        landed_date as last_landed_date
    from contacts

),

sales_records as (

    select
        'sales' as source_system,
        crm_id as source_record_id,
        email_normalized,
        phone_normalized,
        first_name_normalized as first_name,
        last_name_normalized as last_name,
        full_name_normalized as full_name,
        postal_code,
        country,
        crm_id as crm_reference,
        created_at as record_created_at,
        first_landed_date,
        updated_at as last_updated_at,
        email,
        phone,
        first_name as given_first_name,
        last_name as given_last_name,
        street,
        city,
        cast(null as {{ dbt.type_boolean() }}) as marketing_opt_in,
        landed_date as last_landed_date
    from crm_customers

),

support_records as (

    select
        'support' as source_system,
        requester_id as source_record_id,
        email_normalized,
        phone_normalized,
        first_name_normalized as first_name,
        last_name_normalized as last_name,
        full_name_normalized as full_name,
        cast(null as {{ dbt.type_string() }}) as postal_code,
        cast(null as {{ dbt.type_string() }}) as country,
        crm_id as crm_reference,
        created_at as record_created_at,
        first_landed_date,
        created_at as last_updated_at,
        email,
        phone,
        first_name as given_first_name,
        last_name as given_last_name,
        cast(null as {{ dbt.type_string() }}) as street,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as {{ dbt.type_boolean() }}) as marketing_opt_in,
        landed_date as last_landed_date
    from requesters

),

finance_records as (

    select
        'finance' as source_system,
        account_id as source_record_id,
        email_normalized,
        phone_normalized,
        first_name_normalized as first_name,
        last_name_normalized as last_name,
        account_name_normalized as full_name,
        postal_code,
        country,
        crm_id as crm_reference,
        created_at as record_created_at,
        first_landed_date,
        created_at as last_updated_at,
        billing_email as email,
        phone,
        first_name as given_first_name,
        last_name as given_last_name,
        cast(null as {{ dbt.type_string() }}) as street,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as {{ dbt.type_boolean() }}) as marketing_opt_in,
        landed_date as last_landed_date
    from billing_accounts

),

unioned as (

    select * from marketing_records
    union all
    select * from sales_records
    union all
    select * from support_records
    union all
    select * from finance_records

),

keyed as (

    select
        unioned.*,
        {{ first_name_key('first_name', 'last_name') }} as first_name_letters,
        {{ last_name_key('first_name', 'last_name') }} as last_name_key,
        {{ email_user('email_normalized') }} as email_user,
        {{ normalize_street('street') }} as street_normalized
    from unioned

),

final as (

    select
        keyed.*,
        coalesce(nicknames.canonical_name, keyed.first_name_letters) as first_name_key
    from keyed
    left join nicknames
        on keyed.first_name_letters = nicknames.nickname

)

select * from final
