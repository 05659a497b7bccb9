{{
    config(
        tags=['run_window'],
        pre_hook=["{{ hash_join_inputs_as_written() if window_days() > 1 }}", "{{ write_in_any_order() }}"],
        post_hook=["{{ hash_join_inputs_as_written(enabled=false) }}", "{{ write_in_any_order(enabled=false) }}"],
    )
}}
{#
    The rolling sums and running state of customer_daily_metrics (steps 1 to 3 there), of the
    run's window only: each run replaces the table.

    Activities count from their known_date (the day the platform knew them:
    greatest(activity_date, landed_date)), so a late record counts from the day it landed
    and a backfill of day D equals the nightly run of D. A backfill: (1) aggregate
    activities per customer and known_date, from 89 days before the window (the longest
    rolling window is 90 days) to its end; (2) the days whose values can change: days with
    activity, the days an activity leaves a rolling window, each customer's first output
    day; (3) rolling sums with window functions over those days and running state (last
    purchase, open tickets, subscriptions, MRR) seeded with a baseline aggregated from
    everything known before the lookback. A row's values hold from its change_date for
    last_day_offset more days. A one-day run (a night) takes a shorter way to the same
    values: each customer's sums and totals are aggregated from its activities up to the
    night, one row per customer.
#}
{%- set short_window_days = 30 -%}
{%- set lookback_days = metrics_lookback_days() -%}
{#- a one-day run (a night) aggregates its output day's values directly (steps 1 to 3): each
    output day joins every activity of its lookback, and 7 days of that at a million customers
    ran out of DuckDB's 6 GB -#}
{%- set is_night = window_days() <= 1 -%}
{%- set is_nps = "activity_type = 'survey_nps'" -%}
{%- set is_engagement = engagement_weight('activity_type') ~ " > 0" -%}
{#- operational activities (e-mails sent, invoices, ...: a third of all rows) count in none
    of the metrics; leaving them out of the aggregations leaves every value as it is -#}
{%- set counts_in_metrics = "activity_category <> 'operational'" -%}
{%- set earliest_lookback = earliest_metrics_lookback() -%}

with

{{ daily_metrics_window_ctes() }},

{#- what an activity adds to its customer's day: counts and amounts are summed, the latest
    dates and answers are the largest (the latest NPS answer: seconds since epoch × 100 + score) -#}
{%- set counts = [
    ('orders', "case when activity_type = 'order_placed' then 1 else 0 end"),
    ('email_opens', "case when activity_type = 'email_open' then 1 else 0 end"),
    ('email_clicks', "case when activity_type = 'email_click' then 1 else 0 end"),
    ('web_visits', "case when activity_type in ('web_page_view', 'web_pricing_view', 'help_article_view', 'login')
            then 1 else 0 end"),
    ('event_registrations', "case when activity_type = 'event_registered' then 1 else 0 end"),
    ('tickets_opened', "case when activity_type = 'ticket_opened' then 1 else 0 end"),
    ('tickets_resolved', "case when activity_type = 'ticket_resolved' then 1 else 0 end"),
    ('resolution_count', "case when activity_type = 'ticket_resolved' and duration_hours is not null then 1 else 0 end"),
    ('escalations', "case when activity_type = 'ticket_escalated' then 1 else 0 end"),
    ('csat_count', "case when activity_type = 'survey_csat' then 1 else 0 end"),
    ('effort_count', "case when activity_type = 'survey_effort' then 1 else 0 end"),
    ('failed_payments', "case when activity_type = 'payment_failed' then 1 else 0 end"),
    ('late_payments', "case when activity_type = 'payment_late' then 1 else 0 end"),
    ('subscriptions_started', "case when activity_type = 'subscription_started' then 1 else 0 end"),
    ('subscriptions_cancelled', "case when activity_type = 'subscription_cancelled' then 1 else 0 end"),
] %}
{%- set amounts = [
    ('revenue_cents', "case when activity_type in ('order_placed', 'order_returned') then " ~ in_cents('amount') ~ " else 0 end"),
    ('engagement_points', engagement_weight('activity_type')),
    ('resolution_seconds_sum', "case when activity_type = 'ticket_resolved' then " ~ in_seconds('duration_hours') ~ " end"),
    ('csat_sum', "case when activity_type = 'survey_csat' then score end"),
    ('effort_sum', "case when activity_type = 'survey_effort' then score end"),
    ('mrr_change_cents', "case
            when activity_type in ('subscription_started', 'subscription_changed') then " ~ in_cents('amount') ~ "
            when activity_type = 'subscription_cancelled' then -" ~ in_cents('amount') ~ "
            else 0
        end"),
] %}
{%- set latest = [
    ('last_purchase_date', "case when activity_type = 'order_placed' then activity_date end"),
    ('last_engagement_date', "case when " ~ is_engagement ~ " then activity_date end"),
    ('last_nps_key', "case when " ~ is_nps ~ " then " ~ epoch_seconds('activity_at') ~ " * 100 + cast(score as "
        ~ dbt.type_bigint() ~ ") end"),
] %}
{%- set aggregates = {} %}
{%- for name, expression in counts + amounts %}{% do aggregates.update({name: 'sum(' ~ expression ~ ')'}) %}{% endfor %}
{%- for name, expression in latest %}{% do aggregates.update({name: 'max(' ~ expression ~ ')'}) %}{% endfor %}

-- the activities that count in the metrics, of the lookback and the window
lookback_activities as (

    select activities.*
    from activities
    cross join bounds
    where activities.known_date >= {{ earliest_lookback }}
      and activities.known_date >= bounds.lookback_start
      and activities.known_date <= bounds.grid_end
      and {{ counts_in_metrics }}

),

{%- set running_state = ['tickets_opened', 'tickets_resolved', 'subscriptions_started', 'subscriptions_cancelled',
                         'mrr_change_cents', 'last_purchase_date', 'last_engagement_date', 'last_nps_key'] %}

-- running state known before the lookback starts (empty on a full build)
baseline as (

    select
        activities.customer_id,
        {%- for name, aggregate in aggregates.items() if name in running_state %}
        {{ aggregate }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from activities
    cross join bounds
    where activities.known_date < bounds.lookback_start
      and {{ counts_in_metrics }}
    group by activities.customer_id

),

{#- a row's activity columns, zero where it has none: of its activities on a night, of its
    activity days in a backfill -#}
{%- set source = 'activity_rows' if is_night else 'activity_days' %}
{%- set activity_columns %}
        {%- for column, _ in counts %}
        cast(coalesce({{ source }}.{{ column }}, 0) as {{ dbt.type_bigint() }}) as {{ column }},
        {%- endfor %}
        {%- for column, _ in amounts %}
        cast(coalesce({{ source }}.{{ column }}, 0) as {{ type_double() }}) as {{ column }},
        {%- endfor %}
        {%- for column, _ in latest %}
        {{ source }}.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
{%- endset %}
{%- set rolling_sums = [
    ('orders_30d', 'orders', 30),
    ('revenue_cents_30d', 'revenue_cents', 30),
    ('orders_90d', 'orders', 90),
    ('revenue_cents_90d', 'revenue_cents', 90),
    ('email_opens_30d', 'email_opens', 30),
    ('email_clicks_30d', 'email_clicks', 30),
    ('web_visits_30d', 'web_visits', 30),
    ('event_registrations_90d', 'event_registrations', 90),
    ('tickets_opened_30d', 'tickets_opened', 30),
    ('resolution_seconds_sum_90d', 'resolution_seconds_sum', 90),
    ('resolution_count_90d', 'resolution_count', 90),
    ('escalations_90d', 'escalations', 90),
    ('csat_sum_90d', 'csat_sum', 90),
    ('csat_count_90d', 'csat_count', 90),
    ('effort_sum_90d', 'effort_sum', 90),
    ('effort_count_90d', 'effort_count', 90),
    ('failed_payments_90d', 'failed_payments', 90),
    ('late_payments_90d', 'late_payments', 90),
    ('engagement_points_30d', 'engagement_points', 30),
    ('engagement_points_90d', 'engagement_points', 90),
] %}
{#- running state over every activity day up to a day, the baseline before the lookback added later -#}
{%- set running_totals = [
    ('last_purchase_date', 'max(last_purchase_date)'),
    ('last_engagement_date', 'max(last_engagement_date)'),
    ('last_nps_key', 'max(last_nps_key)'),
    ('open_tickets_change', 'sum(tickets_opened - tickets_resolved)'),
    ('subscriptions_started', 'sum(subscriptions_started)'),
    ('active_subscriptions_change', 'sum(subscriptions_started - subscriptions_cancelled)'),
    ('mrr_change_cents', 'sum(mrr_change_cents)'),
] %}

{%- if is_night %}

-- (2, 3) a night: each customer's rolling sums and running totals, aggregated from its
-- activities up to the night. The window functions below give the same values, but sort
-- every change day of the 90-day lookback for the one row written.
output_days as (

    select
        spans.customer_id,
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'spans.output_start') }} as date) as date
    from (
        select
            output_starts.customer_id,
            output_starts.output_start,
            {{ dbt.datediff('output_starts.output_start', 'bounds.grid_end', 'day') }} as last_offset
        from output_starts
        cross join bounds
    ) spans
    inner join day_offsets
        on day_offsets.day_offset <= spans.last_offset

),

-- each activity with what it adds to its day: over a customer's activities, the sums and
-- latest values are those over its days, without first grouping 90 days of activities by
-- customer and day (ten million groups at a million customers)
activity_rows as (

    select
        customer_id,
        known_date as date,
        {%- for name, expression in counts + amounts + latest %}
        {{ expression }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from lookback_activities

),

-- every activity up to each output day; an output day without one gets a row of zeros, so
-- that every output day has its sums
activity_up_to_output_days as (

    select
        output_days.customer_id,
        output_days.date as output_date,
        activity_rows.date,
        {{- activity_columns }}
    from output_days
    left join activity_rows
        on activity_rows.customer_id = output_days.customer_id
        and activity_rows.date <= output_days.date

),

rolling as (

    select
        customer_id,
        output_date as date,
        {%- for name, column, days in rolling_sums %}
        sum(case when date >= {{ dbt.dateadd('day', -(days - 1), 'output_date') }} then {{ column }} else 0 end)
            as {{ name }},
        {%- endfor %}
        {%- for name, aggregate in running_totals %}
        {{ aggregate }} as {{ name }},
        {%- endfor %}
        sum(case when date < output_date then subscriptions_started - subscriptions_cancelled else 0 end)
            as active_subscriptions_change_at_day_start
    from activity_up_to_output_days
    group by customer_id, output_date

),

{%- else %}

-- (1) one row per customer and day the platform learnt something
daily_activity as (

    select
        customer_id,
        known_date as date,
        {%- for name, aggregate in aggregates.items() %}
        {{ aggregate }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from lookback_activities
    group by customer_id, known_date

),

-- the days with activity of the customers known by the end
activity_days as (

    select daily_activity.*
    from daily_activity
    inner join customers
        on daily_activity.customer_id = customers.customer_id
    cross join bounds
    where customers.first_seen_date <= bounds.grid_end

),

-- the days on which a customer's values can differ from the day before's: days with
-- activity, the days an activity leaves the 30- and 90-day windows, and the first output
-- day. The values hold between them, so the window functions below run over these days,
-- not over the dense grid, which in a backfill has several times as many rows.
value_changes as (

    select customer_id, date, true as is_activity from activity_days
    union all
    {%- for days in [short_window_days, lookback_days] %}
    select customer_id, cast({{ dbt.dateadd('day', days, 'date') }} as date) as date, false as is_activity
    from activity_days
    union all
    {%- endfor %}
    select customer_id, output_start as date, false as is_activity from output_starts

),

-- the change days, and the activity days before the first output day (the lookback of the
-- rolling windows). The windows are RANGE frames over the day number, so the lookback needs
-- only the days with activity: a run reads 90 days of activity before its first day, not a
-- dense 90-day grid of every customer.
change_days as (

    select distinct
        value_changes.customer_id,
        value_changes.date,
        value_changes.date >= output_starts.output_start as is_output_day
    from value_changes
    inner join output_starts
        on value_changes.customer_id = output_starts.customer_id
    cross join bounds
    where value_changes.date <= bounds.grid_end
      and (value_changes.is_activity or value_changes.date >= output_starts.output_start)

),

days as (

    select
        change_days.customer_id,
        change_days.date,
        change_days.is_output_day,
        {{- activity_columns }}
    from change_days
    left join activity_days
        on change_days.customer_id = activity_days.customer_id
        and change_days.date = activity_days.date

),

numbered_days as (

    select
        days.*,
        {{ epoch_days('days.date') }} as day_number
    from days

),

-- (3) rolling windows (days before the row's day number) and running totals
rolling as (

    select
        customer_id,
        date as change_date,
        lead(date) over (partition by customer_id order by day_number) as next_change_date,
        is_output_day,
        {%- for name, column, days in rolling_sums %}
        sum({{ column }}) over last_{{ days }}_days as {{ name }},
        {%- endfor %}
        {%- for name, aggregate in running_totals %}
        {{ aggregate }} over running as {{ name }},
        {%- endfor %}
        sum(subscriptions_started - subscriptions_cancelled) over running
            - (subscriptions_started - subscriptions_cancelled) as active_subscriptions_change_at_day_start
    from numbered_days
    window
        last_30_days as (partition by customer_id order by day_number range between {{ short_window_days - 1 }} preceding and current row),
        last_90_days as (partition by customer_id order by day_number range between {{ lookback_days - 1 }} preceding and current row),
        running as (partition by customer_id order by day_number rows between unbounded preceding and current row)

),

{%- endif %}

states as (

    select
        rolling.*,
        greatest(baseline.last_purchase_date, rolling.last_purchase_date) as last_purchase_on,
        greatest(baseline.last_engagement_date, rolling.last_engagement_date) as last_engagement_on,
        greatest(baseline.last_nps_key, rolling.last_nps_key) as latest_nps_key,
        coalesce(baseline.tickets_opened, 0) - coalesce(baseline.tickets_resolved, 0)
            + rolling.open_tickets_change as open_tickets_count,
        coalesce(baseline.subscriptions_started, 0) + rolling.subscriptions_started as subscriptions_ever,
        coalesce(baseline.subscriptions_started, 0) - coalesce(baseline.subscriptions_cancelled, 0)
            + rolling.active_subscriptions_change as active_subscription_count,
        coalesce(baseline.subscriptions_started, 0) - coalesce(baseline.subscriptions_cancelled, 0)
            + rolling.active_subscriptions_change_at_day_start as active_subscriptions_at_change_day_start,
        coalesce(baseline.mrr_change_cents, 0) + rolling.mrr_change_cents as mrr_total_cents
    from rolling
    left join baseline
        on rolling.customer_id = baseline.customer_id

),

{%- if is_night %}

-- a night's one output day per customer
held_states as (

    select
        states.*,
        states.date as change_date,
        0 as last_day_offset
    from states

),

{%- else %}

-- the output change days, each with the offset of the last day its values hold: the day
-- before the next change day, or the grid's end
held_states as (

    select
        states.*,
        {{ dbt.datediff(
            'states.change_date',
            'coalesce(cast(' ~ dbt.dateadd('day', -1, 'states.next_change_date') ~ ' as date), bounds.grid_end)',
            'day') }} as last_day_offset
    from states
    cross join bounds
    where states.is_output_day

),

{%- endif %}

final as (

    select
        customer_id,
        change_date,
        last_day_offset,
        {%- for name, _, _ in rolling_sums %}
        {{ name }},
        {%- endfor %}
        last_purchase_on,
        last_engagement_on,
        latest_nps_key,
        open_tickets_count,
        subscriptions_ever,
        active_subscription_count,
        active_subscriptions_at_change_day_start,
        mrr_total_cents
    from held_states

)

select * from final
