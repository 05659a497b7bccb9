{%- set key = ['ticket_id'] -%}
{%- set is_resolved = "(resolved_at is not null or status in ('solved', 'closed'))" -%}
with

source as (

    select * from {{ source('support', 'tickets') }}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(key) }} as version_rank,
        count(*) over (partition by ticket_id) as version_count,
        {{ first_landed_date(key) }} as first_landed_date,
        -- first landing of each state change: stable once landed (see macros/versions.sql)
        {{ first_landed_where(is_resolved, key) }} as resolved_landed_date,
        {{ value_at_first_where('coalesce(resolved_at, updated_at)', is_resolved, key) }} as first_resolved_at,
        {{ first_landed_where('escalated', key) }} as escalated_landed_date,
        {{ value_at_first_where('updated_at', 'escalated', key) }} as first_escalated_at,
        {{ first_landed_where('reopened_count > 0', key) }} as reopened_landed_date,
        {{ value_at_first_where('updated_at', 'reopened_count > 0', key) }} as first_reopened_at
    from source

),

renamed as (

    select
        ticket_id,
        requester_id,
        category as ticket_category,
        priority,
        channel as ticket_channel,
        {{ clean_text('subject') }} as subject,
        status as ticket_status,
        opened_at,
        first_response_at,
        resolved_at,
        coalesce(escalated, false) as is_escalated,
        coalesce(reopened_count, 0) as reopened_count,
        updated_at,
        version_count,
        _partition_date as landed_date,
        first_landed_date,
        resolved_landed_date,
        case when resolved_landed_date is not null then first_resolved_at end as first_resolved_at,
        escalated_landed_date,
        case when escalated_landed_date is not null then first_escalated_at end as first_escalated_at,
        reopened_landed_date,
        case when reopened_landed_date is not null then first_reopened_at end as first_reopened_at,
        _source_file as source_file,
        _loaded_at as loaded_at
    from versions
    where version_rank = 1

)

select * from renamed
