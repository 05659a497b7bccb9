{{ config(meta={'dagster': {'ref': {'name': 'customer_identity_map'}}}) }}
-- Every person-record prepared for identity resolution has a customer in the identity map
-- (the identity step ran on the current records), and the map has no unknown records.
with records as (
    select source_system, source_record_id from {{ ref('int_identity_records') }}
),
identity_map as (
    select source_system, source_record_id from {{ ref('customer_identity_map') }}
)
select
    coalesce(records.source_system, identity_map.source_system) as source_system,
    coalesce(records.source_record_id, identity_map.source_record_id) as source_record_id,
    case when identity_map.source_record_id is null then 'record without customer' else 'unknown record in map' end
        as problem
from records
full outer join identity_map
    on records.source_system = identity_map.source_system
    and records.source_record_id = identity_map.source_record_id
where records.source_record_id is null
   or identity_map.source_record_id is null
