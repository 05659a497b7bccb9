{#
    agent_hours_proxy of one ticket: no handling times are delivered, so base hours by
    priority (low 0.25, normal 0.5, high 1.0, urgent 1.5, unknown 0.5) × (1 + reopened_count)
    + 1.0 if escalated. Used by support_ticket_trends and support_recurring_issues.
#}
{% macro agent_hours_proxy(priority, reopened_count, is_escalated) -%}
    (case {{ priority }}
        when 'low' then 0.25
        when 'normal' then 0.5
        when 'high' then 1.0
        when 'urgent' then 1.5
        else 0.5
    end * (1 + {{ reopened_count }}) + case when {{ is_escalated }} then 1.0 else 0.0 end)
{%- endmacro %}
