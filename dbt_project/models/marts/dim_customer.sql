{#
    The golden record: one row per customer_id. Survivorship per field group follows the
    rules declared in var('survivorship') (dbt_project.yml): source priority, most recent or
    most complete, among the records with a usable value; the winning source system of every
    group is recorded in a <group>_source column.
#}
{%- set survivorship = var('survivorship') -%}
{%- set address_completeness =
    "(case when street is not null then 1 else 0 end + case when city is not null then 1 else 0 end"
    ~ " + case when postal_code is not null then 1 else 0 end)" -%}

with

identity_records as (

    select * from {{ ref('int_identity_records') }}

),

identity_map as (

    select * from {{ ref('customer_identity_map') }}

),

linked as (

    select
        identity_map.customer_id,
        identity_map.match_probability,
        identity_records.*,
        {{ is_placeholder_email('identity_records.email_normalized') }} as is_placeholder_email,
        {{ is_placeholder_phone('identity_records.phone_normalized') }} as is_placeholder_phone
    from identity_records
    inner join identity_map
        on identity_records.source_system = identity_map.source_system
        and identity_records.source_record_id = identity_map.source_record_id

),

-- SURVIVORSHIP: rank 1 = the record that gives the field its value
ranked as (

    select
        linked.*,
        {{ survivorship_rank('customer_id', survivorship['name'], 'given_first_name is not null or given_last_name is not null') }} as name_rank,
        {{ survivorship_rank('customer_id', survivorship['email'], 'email_normalized is not null and not is_placeholder_email') }} as email_rank,
        {{ survivorship_rank('customer_id', survivorship['phone'], 'phone_normalized is not null and not is_placeholder_phone') }} as phone_rank,
        {{ survivorship_rank('customer_id', survivorship['address'], "source_system in ('sales', 'finance') and (postal_code is not null or city is not null)", address_completeness) }} as address_rank,
        {{ survivorship_rank('customer_id', survivorship['country'], 'country is not null') }} as country_rank,
        {{ survivorship_rank('customer_id', survivorship['marketing_opt_in'], "source_system = 'marketing' and marketing_opt_in is not null") }} as opt_in_rank,
        {{ survivorship_rank('customer_id', survivorship['crm_id'], 'crm_reference is not null') }} as crm_rank,
        {{ survivorship_rank('customer_id', survivorship['billing_account'], "source_system = 'finance'") }} as billing_rank
    from linked

),

golden as (

    select
        customer_id,
        max(case when name_rank = 1 then given_first_name end) as first_name,
        max(case when name_rank = 1 then given_last_name end) as last_name,
        max(case when name_rank = 1 and (given_first_name is not null or given_last_name is not null)
            then source_system end) as name_source,
        max(case when email_rank = 1 and email_normalized is not null and not is_placeholder_email
            then email end) as email,
        max(case when email_rank = 1 and email_normalized is not null and not is_placeholder_email
            then source_system end) as email_source,
        max(case when phone_rank = 1 and phone_normalized is not null and not is_placeholder_phone
            then phone_normalized end) as phone,
        max(case when phone_rank = 1 and phone_normalized is not null and not is_placeholder_phone
            then source_system end) as phone_source,
        max(case when address_rank = 1 and source_system in ('sales', 'finance') then street end) as street,
        max(case when address_rank = 1 and source_system in ('sales', 'finance') then city end) as city,
        max(case when address_rank = 1 and source_system in ('sales', 'finance') then postal_code end) as postal_code,
        max(case when address_rank = 1 and source_system in ('sales', 'finance')
            and (postal_code is not null or city is not null) then source_system end) as address_source,
        max(case when country_rank = 1 then country end) as country,
        max(case when country_rank = 1 and country is not null then source_system end) as country_source,
        max(case when opt_in_rank = 1 and source_system = 'marketing'
            then case when marketing_opt_in then 1 else 0 end end) as marketing_opt_in_flag,
        max(case when opt_in_rank = 1 and source_system = 'marketing' and marketing_opt_in is not null
            then source_system end) as marketing_opt_in_source,
        max(case when crm_rank = 1 then crm_reference end) as crm_id,
        max(case when crm_rank = 1 and crm_reference is not null then source_system end) as crm_id_source,
        max(case when billing_rank = 1 and source_system = 'finance' then source_record_id end) as billing_account_id,
        max(case when billing_rank = 1 and source_system = 'finance' then source_system end) as billing_account_source,
        min(first_landed_date) as first_seen_date,
        min(record_created_at) as first_record_created_at,
        max(last_landed_date) as last_record_landed_date,
        max(case when source_system = 'marketing' then 1 else 0 end) as has_marketing_flag,
        max(case when source_system = 'sales' then 1 else 0 end) as has_sales_flag,
        max(case when source_system = 'support' then 1 else 0 end) as has_support_flag,
        max(case when source_system = 'finance' then 1 else 0 end) as has_finance_flag,
        count(*) as source_record_count,
        count(distinct source_system) as source_system_count,
        min(match_probability) as min_match_probability
    from ranked
    group by customer_id

),

final as (

    select
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(first_name as {{ dbt.type_string() }}) as first_name,
        cast(last_name as {{ dbt.type_string() }}) as last_name,
        cast({{ join_name('first_name', 'last_name') }} as {{ dbt.type_string() }}) as full_name,
        cast(name_source as {{ dbt.type_string() }}) as name_source,
        cast(email as {{ dbt.type_string() }}) as email,
        cast(email_source as {{ dbt.type_string() }}) as email_source,
        cast(phone as {{ dbt.type_string() }}) as phone,
        cast(street as {{ dbt.type_string() }}) as street,
        cast(city as {{ dbt.type_string() }}) as city,
        cast(postal_code as {{ dbt.type_string() }}) as postal_code,
        cast(country as {{ dbt.type_string() }}) as country,
        cast(case marketing_opt_in_flag when 1 then true when 0 then false end as {{ dbt.type_boolean() }})
            as marketing_opt_in,
        cast(crm_id as {{ dbt.type_string() }}) as crm_id,
        cast(billing_account_id as {{ dbt.type_string() }}) as billing_account_id,
        cast(first_seen_date as date) as first_seen_date,
        cast(first_record_created_at as {{ dbt.type_timestamp() }}) as first_record_created_at,
        cast(last_record_landed_date as date) as last_record_landed_date,
        cast(has_marketing_flag = 1 as {{ dbt.type_boolean() }}) as has_marketing,
        cast(has_sales_flag = 1 as {{ dbt.type_boolean() }}) as has_sales,
        cast(has_support_flag = 1 as {{ dbt.type_boolean() }}) as has_support,
        cast(has_finance_flag = 1 as {{ dbt.type_boolean() }}) as has_finance,
        cast(source_record_count as {{ dbt.type_bigint() }}) as source_record_count,
        cast(source_system_count as {{ dbt.type_bigint() }}) as source_system_count,
        cast(min_match_probability as {{ type_double() }}) as min_match_probability,
        cast(phone_source as {{ dbt.type_string() }}) as phone_source,
        cast(address_source as {{ dbt.type_string() }}) as address_source,
        cast(country_source as {{ dbt.type_string() }}) as country_source,
        cast(marketing_opt_in_source as {{ dbt.type_string() }}) as marketing_opt_in_source,
        cast(crm_id_source as {{ dbt.type_string() }}) as crm_id_source,
        cast(billing_account_source as {{ dbt.type_string() }}) as billing_account_source
    from golden

)

select * from final
