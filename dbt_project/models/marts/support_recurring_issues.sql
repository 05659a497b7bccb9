{#
    The recurring support issues that cost the most agent time: tickets opened in the last
    `days` days (up to the last landing day of ticket data), grouped by category and subject
    (the issue as the customer named it, case and blanks normalised). Only subjects raised by
    at least `min_customers` customers are listed: a recurring issue is shared by definition,
    and a one-off subject may carry personal details. Rebuilt every run.
#}
{%- set days = 90 -%}
{%- set min_customers = 3 -%}

with

tickets as (

    select * from {{ ref('int_ticket_facts') }}

),

feedback as (

    select record_id as ticket_id, compound
    from {{ ref('feedback_sentiment') }}
    where text_kind = 'ticket_subject'

),

bounds as (

    select max(landed_date) as last_landed_date from tickets

),

recent as (

    select
        tickets.ticket_category,
        lower(trim(tickets.subject)) as issue,
        tickets.requester_id,
        tickets.is_escalated,
        tickets.is_reopened,
        {{ in_seconds('tickets.resolution_hours') }} as resolution_seconds,
        {{ agent_hours_proxy('tickets.priority', 'tickets.reopened_count', 'tickets.is_escalated') }} as agent_hours,
        feedback.compound
    from tickets
    cross join bounds
    left join feedback
        on tickets.ticket_id = feedback.ticket_id
    where tickets.subject is not null
      and {{ to_date('tickets.opened_at') }} > {{ dbt.dateadd('day', -days, 'bounds.last_landed_date') }}
      and {{ to_date('tickets.opened_at') }} <= bounds.last_landed_date

),

issues as (

    select
        ticket_category,
        issue,
        count(*) as tickets,
        count(distinct requester_id) as requesters,
        sum(agent_hours) as agent_hours,
        avg(case when is_reopened then 1.0 else 0.0 end) as reopen_rate,
        avg(case when is_escalated then 1.0 else 0.0 end) as escalation_rate,
        sum(resolution_seconds) / nullif(count(resolution_seconds), 0) / 3600.0 as avg_resolution_hours,
        avg(compound) as avg_subject_sentiment
    from recent
    group by ticket_category, issue
    having count(distinct requester_id) >= {{ min_customers }}

),

final as (

    select
        cast(bounds.last_landed_date as date) as as_of_date,
        cast(row_number() over (order by issues.agent_hours desc, issues.tickets desc, issues.ticket_category, issues.issue)
            as {{ dbt.type_int() }}) as agent_time_rank,
        cast(issues.ticket_category as {{ dbt.type_string() }}) as ticket_category,
        cast(issues.issue as {{ dbt.type_string() }}) as issue,
        cast(issues.tickets as {{ dbt.type_int() }}) as tickets,
        cast(issues.requesters as {{ dbt.type_int() }}) as requesters,
        cast(round(issues.agent_hours, 2) as {{ type_double() }}) as agent_hours_proxy,
        cast(round(issues.agent_hours / issues.tickets, 3) as {{ type_double() }}) as agent_hours_per_ticket,
        cast(round(issues.reopen_rate, 4) as {{ type_double() }}) as reopen_rate,
        cast(round(issues.escalation_rate, 4) as {{ type_double() }}) as escalation_rate,
        cast(round(issues.avg_resolution_hours, 2) as {{ type_double() }}) as avg_resolution_hours,
        cast(round(issues.avg_subject_sentiment, 4) as {{ type_double() }}) as avg_subject_sentiment
    from issues
    cross join bounds

)

select * from final
