with

resolved_identities as (

    select * from {{ source('identity', 'resolved_identities') }}

),

final as (

    select
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(source_record_id as {{ dbt.type_string() }}) as source_record_id,
        cast(customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(match_rule as {{ dbt.type_string() }}) as match_rule,
        cast(match_probability as {{ type_double() }}) as match_probability
    from resolved_identities

)

select * from final
