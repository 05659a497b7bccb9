{{ config(**incremental_window_config('as_of_date')) }}
{#
    Point-in-time churn features: one row per customer known on each as_of_date of the
    landing window that something reads: every day of a night (and of any run of at most
    backfill_scored_days days); in a longer run (a backfill) the days it scores, the
    training snapshot days, and the day before each offer exposure for that customer
    (macros/feature_days.sql). Everything comes from customer_daily_metrics, whose row for a date
    uses only what had landed by that date, so a feature row never sees the future and a
    backfill of day D rebuilds exactly the row the nightly run of D wrote. The trend
    features compare the last 30 days with the three 30-day periods before, read from the
    metrics rows of 30, 60 and 90 days earlier (NULL when the customer was not known then).
#}
{%- set inactivity_days = var('churn_inactivity_days') -%}
{%- set some_days_only = writes_some_feature_days() -%}
{#- A run of at most this many days, or one that writes some days only (a backfill), looks its
    lookback values up for the rows it writes; a longer one that writes every day computes them
    with window functions over every day of the lookback. At a million customers those sort
    the 90 dense days before the window with it, and a year's backfill ran out of DuckDB's 6 GB
    in its fourth window, for features of a seventh of the days. -#}
{%- set lookup_max_days = 7 -%}
{%- set looks_up = window_days() <= lookup_max_days or some_days_only -%}
{#- trailing sums of recent_activity: (feature, column, first and last day counted, in days
    before the as_of day), and metrics of an earlier day: (feature, column, days before) -#}
{%- set trailing_sums = [
    ('actions_14d', 'actions', 13, 0),
    ('actions_prior_14d', 'actions', 27, 14),
    ('cancel_signals_30d', 'cancel_signals', 29, 0),
] -%}
{%- set trailing_days = trailing_sums | map(attribute=2) | max -%}
{%- set earlier_metrics = [
    ('engagement_points_prev_30d', 'engagement_points_30d', 30),
    ('engagement_points_prev_60d', 'engagement_points_30d', 60),
    ('engagement_points_prev_90d', 'engagement_points_30d', 90),
    ('experience_score_30d_ago', 'experience_score', 30),
    ('mrr_90d_ago', 'current_mrr', 90),
] -%}

with

{%- if some_days_only %}

-- a long run writes the days something reads (macros/feature_days.sql)
exposure_eves as (

    {{ offer_exposure_eves() }}

),
{%- endif %}

{%- if looks_up %}

-- the rows written, keys only: several steps read them, the metrics columns are read at the end
feature_days as (

    select daily.customer_id, daily.date from {{ ref('customer_daily_metrics') }} as daily
    {%- if some_days_only %}
    left join exposure_eves
        on exposure_eves.customer_id = daily.customer_id
        and exposure_eves.as_of_date = daily.date
    {%- endif %}
    where {{ in_landing_window('daily.date') }}
    {%- if some_days_only %}
      and (
          {{ is_scored_day('daily.date') }}
          or {{ is_churn_snapshot_day('daily.date') }}
          or exposure_eves.customer_id is not null
      )
    {%- endif %}

),
{%- endif %}

customers as (

    select customer_id, first_record_created_at from {{ ref('dim_customer') }}

),

-- customer-initiated actions and cancellation signals per customer and known date
recent_activity as (

    select
        customer_id,
        known_date,
        sum(case when activity_category in ('engagement', 'both') then 1 else 0 end) as actions,
        sum(
            case
                when activity_type = 'help_article_view' and detail like '%cancel%' then 1
                when activity_type = 'ticket_opened' and detail = 'cancellation' then 1
                else 0
            end
        ) as cancel_signals
    from {{ ref('fct_customer_activity') }}
    where customer_id is not null
      and known_date >= {{ dbt.dateadd('day', -trailing_days, window_start()) }}
      and {{ landed_before_window_end('landed_date') }}
    group by customer_id, known_date

),

{%- if looks_up %}

-- A night (or a few), or the days a backfill writes: the metrics of 30, 60 and 90 days before
-- each row written looked up, its trailing actions summed over the activity days only. The
-- dense window functions below sort the 91 dense days before a night for the one row written
-- per customer (a million customers with 90 days of history: 31 s, against 5 s).
{%- for days in earlier_metrics | map(attribute=2) | unique %}
metrics_{{ days }}d_before as (

    select
        customer_id,
        cast({{ dbt.dateadd('day', days, 'date') }} as date) as date,
        {%- for column in earlier_metrics | map(attribute=1) | unique %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('customer_daily_metrics') }}
    where date >= {{ dbt.dateadd('day', -days, window_start()) }}
      and date < {{ dbt.dateadd('day', -days, window_end()) }}

),
{%- endfor %}

-- the activity of the days the customer has a metrics row: the days the window functions
-- of a backfill count (one row per day, customer_daily_metrics being dense)
counted_activity as (

    select recent_activity.*
    from recent_activity
    inner join {{ ref('customer_daily_metrics') }} known_days
        on known_days.customer_id = recent_activity.customer_id
        and known_days.date = recent_activity.known_date
    where known_days.date >= {{ dbt.dateadd('day', -trailing_days, window_start()) }}
      and {{ landed_before_window_end('known_days.date') }}

),

-- the rows written and the activity days before them, one series per customer: the trailing
-- sums are RANGE frames over the day number, which count the activity days only
{%- set summed_columns = trailing_sums | map(attribute=1) | unique | list %}
trailing_series as (

    select
        customer_id,
        known_date as date,
        {{ epoch_days('known_date') }} as day_number,
        {{ summed_columns | join(', ') }},
        false as is_written
    from counted_activity
    union all
    select
        customer_id,
        date,
        {{ epoch_days('date') }} as day_number,
        {%- for column in summed_columns %}
        0 as {{ column }},
        {%- endfor %}
        true as is_written
    from feature_days

),

trailing_activity as (

    select * from (
        select
            customer_id,
            date,
            is_written,
            {%- for name, column, first, last in trailing_sums %}
            sum({{ column }}) over (
                partition by customer_id order by day_number
                range between {{ first }} preceding and {{ last ~ ' preceding' if last else 'current row' }}
            ) as {{ name }}{{ ',' if not loop.last }}
            {%- endfor %}
        from trailing_series
    ) windowed
    where is_written

),

lookback as (

    select
        feature_days.customer_id,
        feature_days.date,
        {%- for name, column, first, last in trailing_sums %}
        cast(coalesce(trailing_activity.{{ name }}, 0) as {{ dbt.type_int() }}) as {{ name }},
        {%- endfor %}
        {%- for name, column, days in earlier_metrics %}
        metrics_{{ days }}d_before.{{ column }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from feature_days
    left join trailing_activity
        on trailing_activity.customer_id = feature_days.customer_id
        and trailing_activity.date = feature_days.date
    {%- for days in earlier_metrics | map(attribute=2) | unique %}
    left join metrics_{{ days }}d_before
        on metrics_{{ days }}d_before.customer_id = feature_days.customer_id
        and metrics_{{ days }}d_before.date = feature_days.date
    {%- endfor %}

),

{%- else %}

-- what the trailing and trend features read of the 90 days before each as_of row: a few
-- columns of the dense daily rows, not all of them
history as (

    select customer_id, date, engagement_points_30d, experience_score, current_mrr
    from {{ ref('customer_daily_metrics') }}
    where date >= {{ dbt.dateadd('day', -90, window_start()) }}
      and {{ landed_before_window_end('date') }}

),

-- the window's days with their trailing actions and the metrics of 30, 60 and 90 days
-- before (NULL when the customer was not known then). Window functions over a customer's
-- rows, which are one per day (customer_daily_metrics is dense, a tested property); range
-- joins of every as_of row with a month of activity days ran out of memory in a year's
-- backfill at 100k customers.
lookback as (

    select * from (
        select
            history.customer_id,
            history.date,
            {#- integers: DuckDB sums into 128-bit integers, which took nearly half of the time to
                write this table in a backfill -#}
            {%- for name, column, first, last in trailing_sums %}
            cast(sum(coalesce(recent_activity.{{ column }}, 0)) over (
                partition by history.customer_id order by history.date
                rows between {{ first }} preceding and {{ last ~ ' preceding' if last else 'current row' }}
            ) as {{ dbt.type_int() }}) as {{ name }},
            {%- endfor %}
            {%- for name, column, days in earlier_metrics %}
            case when lag(history.date, {{ days }}) over per_customer = {{ dbt.dateadd('day', -days, 'history.date') }}
                then lag(history.{{ column }}, {{ days }}) over per_customer end as {{ name }}
            {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from history
        left join recent_activity
            on recent_activity.customer_id = history.customer_id
            and recent_activity.known_date = history.date
        window per_customer as (partition by history.customer_id order by history.date)
    ) windowed
    where {{ in_landing_window('date') }}

),

{%- endif %}

as_of as (

    select
        daily.*,
        lookback.actions_14d,
        lookback.actions_prior_14d,
        lookback.cancel_signals_30d,
        lookback.engagement_points_prev_30d,
        lookback.engagement_points_prev_60d,
        lookback.engagement_points_prev_90d,
        lookback.experience_score_30d_ago,
        lookback.mrr_90d_ago
    from {{ ref('customer_daily_metrics') }} as daily
    inner join lookback
        on lookback.customer_id = daily.customer_id
        and lookback.date = daily.date
    where {{ in_landing_window('daily.date') }}

),

final as (

    select
        as_of.date as as_of_date,
        as_of.customer_id,
        as_of.active_subscriptions > 0 as is_subscriber,
        coalesce(as_of.days_since_last_purchase < {{ inactivity_days }}, false) as is_recent_buyer,
        {{ dbt.datediff('customers.first_record_created_at', 'as_of.date', 'day') }} as tenure_days,
        as_of.days_since_last_purchase,
        as_of.days_since_last_engagement,
        as_of.orders_30d,
        as_of.orders_90d,
        as_of.revenue_30d,
        as_of.revenue_90d,
        as_of.email_opens_30d,
        as_of.email_clicks_30d,
        as_of.web_visits_30d,
        as_of.event_registrations_90d,
        as_of.engagement_points_30d,
        as_of.engagement_score,
        as_of.actions_14d,
        coalesce(as_of.actions_prior_14d, 0) as actions_prior_14d,
        cast(
            (as_of.engagement_points_30d + 1.0)
            / (
                (
                    coalesce(as_of.engagement_points_prev_30d, 0)
                    + coalesce(as_of.engagement_points_prev_60d, 0)
                    + coalesce(as_of.engagement_points_prev_90d, 0)
                ) / 3.0 + 1.0
            ) as double
        ) as engagement_trend,
        as_of.cancel_signals_30d,
        as_of.experience_score,
        as_of.experience_score - as_of.experience_score_30d_ago as experience_change_30d,
        as_of.experience_signals_90d,
        as_of.last_nps,
        as_of.avg_csat_90d,
        as_of.avg_effort_90d,
        as_of.tickets_opened_30d,
        as_of.open_tickets,
        as_of.avg_resolution_hours_90d,
        as_of.escalations_90d,
        as_of.failed_payments_90d,
        as_of.late_payments_90d,
        as_of.active_subscriptions,
        as_of.current_mrr,
        as_of.current_mrr - coalesce(as_of.mrr_90d_ago, 0) as mrr_change_90d,
        -- what losing the customer would cost in a year: recurring revenue plus the
        -- last quarter's net orders, annualised
        cast(12 * as_of.current_mrr + 4 * greatest(as_of.revenue_90d, 0) as double) as annual_value
    from as_of
    left join customers
        on customers.customer_id = as_of.customer_id

)

select * from final
{{ clustered_by('as_of_date') }}
