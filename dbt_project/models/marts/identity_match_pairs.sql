{#
    The pairs audit of identity resolution, for data stewards: every candidate pair with the
    rule or model that proposed it, its probability and what was decided, beside the customer
    each record ended in. A steward turns a wrong decision into a row of
    seeds/identity_overrides.csv.
#}
with

match_pairs as (

    select * from {{ source('identity', 'match_pairs') }}

),

resolved_identities as (

    select * from {{ source('identity', 'resolved_identities') }}

),

final as (

    select
        cast(match_pairs.left_source_system as {{ dbt.type_string() }}) as left_source_system,
        cast(match_pairs.left_source_record_id as {{ dbt.type_string() }}) as left_source_record_id,
        cast(match_pairs.right_source_system as {{ dbt.type_string() }}) as right_source_system,
        cast(match_pairs.right_source_record_id as {{ dbt.type_string() }}) as right_source_record_id,
        cast(match_pairs.match_rule as {{ dbt.type_string() }}) as match_rule,
        cast(match_pairs.match_probability as {{ type_double() }}) as match_probability,
        cast(match_pairs.match_weight as {{ type_double() }}) as match_weight,
        cast(match_pairs.decision as {{ dbt.type_string() }}) as decision,
        cast(left_identity.customer_id as {{ dbt.type_string() }}) as left_customer_id,
        cast(right_identity.customer_id as {{ dbt.type_string() }}) as right_customer_id,
        cast(match_pairs.run_date as date) as run_date
    from match_pairs
    left join resolved_identities as left_identity
        on match_pairs.left_source_system = left_identity.source_system
        and match_pairs.left_source_record_id = left_identity.source_record_id
    left join resolved_identities as right_identity
        on match_pairs.right_source_system = right_identity.source_system
        and match_pairs.right_source_record_id = right_identity.source_record_id

)

select * from final
