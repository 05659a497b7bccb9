{#
    One row per support ticket (its latest known version) with the measures of how it
    was handled: first-response and resolution hours, escalated, reopened. Also the
    first landing day of each state change (opened, resolved, escalated, reopened), which
    the activity fact uses as knowledge dates.
#}
with

tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

facts as (

    select
        ticket_id,
        requester_id,
        ticket_category,
        priority,
        ticket_channel,
        subject,
        ticket_status,
        opened_at,
        {{ to_date('opened_at') }} as opened_date,
        {{ dbt.date_trunc('week', 'opened_at') }} as opened_week,
        first_response_at,
        resolved_at,
        updated_at,
        ticket_status in ('solved', 'closed') or resolved_at is not null as is_resolved,
        is_escalated,
        reopened_count,
        reopened_count > 0 as is_reopened,
        case
            when first_response_at >= opened_at then {{ hours_between('opened_at', 'first_response_at') }}
        end as first_response_hours,
        case
            when resolved_at >= opened_at then {{ hours_between('opened_at', 'resolved_at') }}
        end as resolution_hours,
        first_resolved_at,
        case
            when first_resolved_at >= opened_at then {{ hours_between('opened_at', 'first_resolved_at') }}
        end as first_resolution_hours,
        first_escalated_at,
        first_reopened_at,
        version_count,
        first_landed_date,
        resolved_landed_date,
        escalated_landed_date,
        reopened_landed_date,
        landed_date
    from tickets

)

select * from facts
