{#
    Weekly support-ticket trends per category (ISO weeks, Monday start, by the week the
    ticket was opened), on a dense week × category grid so that weeks without tickets
    count as 0 in the comparisons. Rebuilt every run from the tickets' latest state.

    agent_hours_proxy: no handling times are delivered, so a documented proxy per ticket
    (macros/support.sql): base hours by priority × (1 + reopened_count) + 1.0 if escalated.

    Anomalies, a robust rule per category: the week's tickets against the median and the
    median absolute deviation (MAD) of the previous `anomaly_weeks` weeks,
      robust_z = (tickets − median) / max(1.4826 × MAD, 1)
    (1.4826 × MAD estimates the standard deviation of normal data; the floor of 1 ticket
    keeps a flat history from turning every change into an anomaly). A complete week with
    at least `anomaly_min_weeks` weeks of history is an anomaly when |robust_z| ≥ 3.5
    (Iglewicz and Hoaglin's cut-off); one outlier week cannot hide the next, as it would
    with a mean and a standard deviation.
#}
{%- set anomaly_weeks = 8 -%}
{%- set anomaly_min_weeks = 4 -%}
{%- set anomaly_threshold = 3.5 -%}
with

tickets as (

    select * from {{ ref('int_ticket_facts') }}

),

scored_tickets as (

    select
        cast(opened_week as date) as week_start,
        ticket_category,
        {{ in_seconds('first_response_hours') }} as first_response_seconds,
        {{ in_seconds('resolution_hours') }} as resolution_seconds,
        case when is_escalated then 1.0 else 0.0 end as escalated,
        case when is_reopened then 1.0 else 0.0 end as reopened,
        {{ agent_hours_proxy('priority', 'reopened_count', 'is_escalated') }} as agent_hours
    from tickets

),

bounds as (

    select
        min(week_start) as first_week,
        max(week_start) as last_week,
        (select max(landed_date) from tickets) as last_landed_date
    from scored_tickets

),

weeks as (

    {#- The interval in parentheses: dbt-spark's dateadd multiplies it by 7 as written. #}
    select {{ dbt.dateadd('week', '(numbers.generated_number - 1)', 'bounds.first_week') }} as week_start
    from ({{ day_numbers(2048) }}) numbers
    cross join bounds
    where numbers.generated_number - 1 <= {{ dbt.datediff('bounds.first_week', 'bounds.last_week', 'week') }}

),

categories as (

    select distinct ticket_category from scored_tickets

),

weekly as (

    select
        week_start,
        ticket_category,
        count(*) as tickets_opened,
        sum(first_response_seconds) / nullif(count(first_response_seconds), 0) / 3600.0 as avg_first_response_hours,
        sum(resolution_seconds) / nullif(count(resolution_seconds), 0) / 3600.0 as avg_resolution_hours,
        avg(escalated) as escalation_rate,
        avg(reopened) as reopen_rate,
        sum(agent_hours) as agent_hours_proxy
    from scored_tickets
    group by week_start, ticket_category

),

filled as (

    select
        cast(weeks.week_start as date) as week_start,
        categories.ticket_category,
        coalesce(weekly.tickets_opened, 0) as tickets_opened,
        weekly.avg_first_response_hours,
        weekly.avg_resolution_hours,
        weekly.escalation_rate,
        weekly.reopen_rate,
        coalesce(weekly.agent_hours_proxy, 0) as agent_hours_proxy
    from weeks
    cross join categories
    left join weekly
        on cast(weeks.week_start as date) = weekly.week_start
        and categories.ticket_category = weekly.ticket_category

),

history as (

    select
        current_week.week_start,
        current_week.ticket_category,
        past_week.tickets_opened as past_tickets
    from filled current_week
    inner join filled past_week
        on current_week.ticket_category = past_week.ticket_category
        and past_week.week_start < current_week.week_start
        and past_week.week_start >= {{ dbt.dateadd('week', -anomaly_weeks, 'current_week.week_start') }}

),

history_median as (

    select
        week_start,
        ticket_category,
        count(*) as history_weeks,
        {{ median('past_tickets') }} as median_tickets
    from history
    group by week_start, ticket_category

),

history_spread as (

    select
        history.week_start,
        history.ticket_category,
        history_median.history_weeks,
        history_median.median_tickets,
        {{ median('abs(history.past_tickets - history_median.median_tickets)') }} as mad_tickets
    from history
    inner join history_median
        on history.week_start = history_median.week_start
        and history.ticket_category = history_median.ticket_category
    group by history.week_start, history.ticket_category, history_median.history_weeks, history_median.median_tickets

),

compared as (

    select
        filled.*,
        lag(tickets_opened) over by_category as previous_week_tickets,
        avg(1.0 * tickets_opened) over (
            partition by ticket_category order by week_start rows between 4 preceding and 1 preceding
        ) as trailing_4w_avg_tickets,
        count(*) over (
            partition by ticket_category order by week_start rows between 4 preceding and 1 preceding
        ) as trailing_weeks
    from filled
    window by_category as (partition by ticket_category order by week_start)

),

final as (

    select
        cast(compared.week_start as date) as week_start,
        cast(compared.ticket_category as {{ dbt.type_string() }}) as ticket_category,
        cast(compared.tickets_opened as {{ dbt.type_int() }}) as tickets_opened,
        cast(round(compared.avg_first_response_hours, 2) as {{ type_double() }}) as avg_first_response_hours,
        cast(round(compared.avg_resolution_hours, 2) as {{ type_double() }}) as avg_resolution_hours,
        cast(round(compared.escalation_rate, 4) as {{ type_double() }}) as escalation_rate,
        cast(round(compared.reopen_rate, 4) as {{ type_double() }}) as reopen_rate,
        cast(compared.previous_week_tickets as {{ dbt.type_int() }}) as previous_week_tickets,
        cast(round(
            100.0 * (compared.tickets_opened - compared.previous_week_tickets)
            / nullif(compared.previous_week_tickets, 0), 1) as {{ type_double() }}) as pct_change_vs_previous_week,
        cast(round(case when compared.trailing_weeks = 4 then compared.trailing_4w_avg_tickets end, 2)
            as {{ type_double() }}) as trailing_4w_avg_tickets,
        cast(round(
            case when compared.trailing_weeks = 4 then
                100.0 * (compared.tickets_opened - compared.trailing_4w_avg_tickets)
                / nullif(compared.trailing_4w_avg_tickets, 0)
            end, 1) as {{ type_double() }}) as pct_change_vs_trailing_4w,
        cast(round(compared.agent_hours_proxy, 2) as {{ type_double() }}) as agent_hours_proxy,
        cast(
            {{ dbt.dateadd('day', 6, 'compared.week_start') }} > bounds.last_landed_date
            as {{ dbt.type_boolean() }}
        ) as is_partial_week,
        cast(history_spread.median_tickets as {{ type_double() }}) as trailing_median_tickets,
        cast(history_spread.mad_tickets as {{ type_double() }}) as trailing_mad_tickets,
        cast(round(
            case when history_spread.history_weeks >= {{ anomaly_min_weeks }} then
                (compared.tickets_opened - history_spread.median_tickets)
                / greatest(1.4826 * history_spread.mad_tickets, 1.0)
            end, 2) as {{ type_double() }}) as robust_z_score,
        cast(
            coalesce(
                history_spread.history_weeks >= {{ anomaly_min_weeks }}
                and {{ dbt.dateadd('day', 6, 'compared.week_start') }} <= bounds.last_landed_date
                and abs(compared.tickets_opened - history_spread.median_tickets)
                    / greatest(1.4826 * history_spread.mad_tickets, 1.0) >= {{ anomaly_threshold }},
                false
            ) as {{ dbt.type_boolean() }}
        ) as is_anomaly
    from compared
    cross join bounds
    left join history_spread
        on compared.week_start = history_spread.week_start
        and compared.ticket_category = history_spread.ticket_category

)

select * from final
