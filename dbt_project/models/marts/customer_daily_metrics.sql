{#- a night ran a second faster with its joins as DuckDB plans them -#}
{{
    config(
        pre_hook=["{{ hash_join_inputs_as_written() if window_days() > 1 }}", "{{ write_in_any_order() }}"],
        post_hook=["{{ hash_join_inputs_as_written(enabled=false) }}", "{{ write_in_any_order(enabled=false) }}"],
        **incremental_window_config('date')
    )
}}
{#
    One row per customer per date of the landing window [min_date, max_date), for the
    customers known by that date (first_seen_date <= date), up to the last landing day
    with data. Activities count from their known_date (the day the platform knew them:
    greatest(activity_date, landed_date)), so a late record counts from the day it
    landed and a backfill of day D equals the nightly run of D.

    How: (1 to 3) int_customer_metric_states holds each customer's rolling sums and
    running state on the days they can change, each held for a number of days: repeated
    over those days they give the dense customer × date grid; (4) the experience signals
    and texts of the last 90 days per customer and day, and the scores
    (macros/scores.sql). Two models rather than one query: in one, the window functions
    of (3) ran beside the memory that (4) holds and spilled; a backfill window of 73 days at
    a million customers took 444 s as one query, 161 + 163 s as two (docs/benchmarks.md).
#}
{%- set lookback_days = metrics_lookback_days() -%}
{%- set earliest_lookback = earliest_metrics_lookback() -%}

with

{{ daily_metrics_window_ctes() }},

-- the customers' own words (survey comments, ticket subjects) and their sentiment, of the
-- lookback and the window: all that reads them
feedback as (

    select customer_id, known_date, {{ to_date('text_at') }} as text_date, text_kind, compound, sentiment_label
    from {{ ref('feedback_sentiment') }}
    where customer_id is not null
      and {{ landed_before_window_end('landed_date') }}
      and known_date >= {{ earliest_lookback }}

),

held_states as (

    select * from {{ ref('int_customer_metric_states') }}

),

-- the output days (the dense grid) with their windows and state
output_rows as (

    select
        held_states.*,
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'held_states.change_date') }} as date) as date,
        case
            when day_offsets.day_offset = 0 then held_states.active_subscriptions_at_change_day_start
            -- no subscription started or ended since the change day
            else held_states.active_subscription_count
        end as active_subscriptions_at_day_start
    from held_states
    inner join day_offsets
        on day_offsets.day_offset <= held_states.last_day_offset

),

-- (4) experience signals of the last 90 days, weighted by age and negativity: the
-- experience activities, and the sentiment of the customers' texts (neutral texts say
-- nothing about how it went and are no signal)
experience_signals as (

    select
        customer_id,
        known_date,
        activity_date,
        goodness,
        {{ experience_base_weight('activity_type') }} as base_weight
    from (
        select
            activities.*,
            {{ experience_goodness('activity_type', 'score', 'duration_hours') }} as goodness
        from activities
        cross join bounds
        where activities.known_date >= {{ earliest_lookback }}
          and activities.known_date >= bounds.lookback_start
          and activities.known_date <= bounds.grid_end
    ) scored
    where goodness is not null

    union all

    select
        feedback.customer_id,
        feedback.known_date,
        feedback.text_date as activity_date,
        {{ sentiment_goodness('feedback.compound') }} as goodness,
        {{ feedback_base_weight('feedback.text_kind') }} as base_weight
    from feedback
    cross join bounds
    where feedback.sentiment_label <> 'neutral'
      and feedback.known_date >= bounds.lookback_start
      and feedback.known_date <= bounds.grid_end

),

{#- the output days each signal and text counts on: the 90 days from the day it was known,
    clipped to the customer's output days. Made from the signals rather than by joining them
    to the dense grid, which a backfill would read twice more. -#}
{%- for signals in ['experience_signals', 'feedback'] %}
{{ signals }}_days as (

    select
        clipped.*,
        cast({{ dbt.dateadd('day', 'clipped.first_offset + day_offsets.day_offset', 'clipped.known_date') }} as date)
            as date
    from (
        select
            {{ signals }}.*,
            greatest({{ dbt.datediff('%s.known_date' % signals, 'output_starts.output_start', 'day') }}, 0) as first_offset,
            least({{ dbt.datediff('%s.known_date' % signals, 'bounds.grid_end', 'day') }}, {{ lookback_days - 1 }})
                as last_offset
        from {{ signals }}
        inner join output_starts
            on {{ signals }}.customer_id = output_starts.customer_id
        cross join bounds
    ) clipped
    inner join day_offsets
        on day_offsets.day_offset <= clipped.last_offset - clipped.first_offset

),

{% endfor -%}

-- per customer and day: the texts of the last 90 days and their mean sentiment
feedback_90d as (

    select
        customer_id,
        date,
        count(*) as feedback_texts_90d,
        {{ order_free_sum('compound') }} / count(*) as feedback_sentiment_90d
    from feedback_days
    group by customer_id, date

),

experience as (

    select
        customer_id,
        date,
        count(*) as experience_signals_90d,
        {{ order_free_sum('weight * goodness') }} as weighted_goodness_sum,
        {{ order_free_sum('weight') }} as weight_sum
    from (
        select
            customer_id,
            date,
            goodness,
            {{ experience_signal_weight('base_weight', 'goodness', dbt.datediff('activity_date', 'date', 'day')) }}
                as weight
        from experience_signals_days
    ) weighted
    group by customer_id, date

),

final as (

    select
        cast(output_rows.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(output_rows.date as date) as date,
        cast({{ dbt.datediff('output_rows.last_purchase_on', 'output_rows.date', 'day') }} as {{ dbt.type_int() }})
            as days_since_last_purchase,
        cast({{ dbt.datediff('output_rows.last_engagement_on', 'output_rows.date', 'day') }} as {{ dbt.type_int() }})
            as days_since_last_engagement,
        cast(output_rows.orders_30d as {{ dbt.type_int() }}) as orders_30d,
        cast(round(output_rows.revenue_cents_30d / 100.0, 2) as {{ type_double() }}) as revenue_30d,
        cast(output_rows.orders_90d as {{ dbt.type_int() }}) as orders_90d,
        cast(round(output_rows.revenue_cents_90d / 100.0, 2) as {{ type_double() }}) as revenue_90d,
        cast(output_rows.email_opens_30d as {{ dbt.type_int() }}) as email_opens_30d,
        cast(output_rows.email_clicks_30d as {{ dbt.type_int() }}) as email_clicks_30d,
        cast(output_rows.web_visits_30d as {{ dbt.type_int() }}) as web_visits_30d,
        cast(output_rows.event_registrations_90d as {{ dbt.type_int() }}) as event_registrations_90d,
        cast(output_rows.tickets_opened_30d as {{ dbt.type_int() }}) as tickets_opened_30d,
        cast(greatest(output_rows.open_tickets_count, 0) as {{ dbt.type_int() }}) as open_tickets,
        cast(round(output_rows.resolution_seconds_sum_90d / 3600.0 / nullif(output_rows.resolution_count_90d, 0), 2)
            as {{ type_double() }}) as avg_resolution_hours_90d,
        cast(output_rows.escalations_90d as {{ dbt.type_int() }}) as escalations_90d,
        cast(mod(output_rows.latest_nps_key, 100) as {{ dbt.type_int() }}) as last_nps,
        cast(round(output_rows.csat_sum_90d / nullif(output_rows.csat_count_90d, 0), 2) as {{ type_double() }})
            as avg_csat_90d,
        cast(round(output_rows.effort_sum_90d / nullif(output_rows.effort_count_90d, 0), 2) as {{ type_double() }})
            as avg_effort_90d,
        cast(output_rows.failed_payments_90d as {{ dbt.type_int() }}) as failed_payments_90d,
        cast(output_rows.late_payments_90d as {{ dbt.type_int() }}) as late_payments_90d,
        cast(greatest(output_rows.active_subscription_count, 0) as {{ dbt.type_int() }}) as active_subscriptions,
        cast(round(greatest(output_rows.mrr_total_cents, 0) / 100.0, 2) as {{ type_double() }}) as current_mrr,
        cast(
            case
                when output_rows.active_subscription_count > 0 then 'active'
                when output_rows.subscriptions_ever > 0 then 'cancelled'
                else 'none'
            end as {{ dbt.type_string() }}
        ) as subscription_status,
        cast(output_rows.active_subscriptions_at_day_start > 0 as {{ dbt.type_boolean() }})
            as was_subscriber_at_day_start,
        cast(
            output_rows.active_subscriptions_at_day_start > 0 and output_rows.active_subscription_count <= 0
            as {{ dbt.type_boolean() }}
        ) as churned_today,
        cast(round(output_rows.engagement_points_30d, 2) as {{ type_double() }}) as engagement_points_30d,
        cast(round(output_rows.engagement_points_90d, 2) as {{ type_double() }}) as engagement_points_90d,
        cast(
            coalesce({{ dbt.datediff('output_rows.last_engagement_on', 'output_rows.date', 'day') }} < 30, false)
            as {{ dbt.type_boolean() }}
        ) as is_active,
        cast({{ engagement_score(
            dbt.datediff('output_rows.last_engagement_on', 'output_rows.date', 'day'),
            'output_rows.engagement_points_30d',
            'output_rows.engagement_points_90d',
            'output_rows.orders_90d') }} as {{ type_double() }}) as engagement_score,
        cast({{ experience_score('experience.weighted_goodness_sum', 'experience.weight_sum') }}
            as {{ type_double() }}) as experience_score,
        cast(coalesce(experience.experience_signals_90d, 0) > 0 as {{ dbt.type_boolean() }}) as has_experience_signal,
        cast(coalesce(experience.experience_signals_90d, 0) as {{ dbt.type_int() }}) as experience_signals_90d,
        cast(coalesce(feedback_90d.feedback_texts_90d, 0) as {{ dbt.type_int() }}) as feedback_texts_90d,
        cast(round(feedback_90d.feedback_sentiment_90d, 4) as {{ type_double() }}) as feedback_sentiment_90d
    from output_rows
    left join experience
        on output_rows.customer_id = experience.customer_id
        and output_rows.date = experience.date
    left join feedback_90d
        on output_rows.customer_id = feedback_90d.customer_id
        and output_rows.date = feedback_90d.date

)

select * from final
