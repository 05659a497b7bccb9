{{ config(**incremental_window_config('date')) }}
{#
    Company-level customer-experience KPIs, one row per date of the landing window (the
    dates customer_daily_metrics has for it). Activities count on their known_date, so
    a backfill of day D reproduces the nightly run of D. Survey KPIs are trailing 30 days
    (the date and the 29 days before); ticket, money and churn KPIs are of the day.
#}
{%- set trailing_days = 30 -%}

with

customer_metrics as (

    select * from {{ ref('customer_daily_metrics') }}
    where {{ in_landing_window('date') }}

),

activities as (

    select * from {{ ref('fct_customer_activity') }}
    where {{ landed_before_window_end('landed_date') }}
      and known_date >= {{ dbt.dateadd('day', -(trailing_days - 1), window_start()) }}
      and known_date < {{ window_end() }}

),

customers_by_date as (

    select
        date,
        count(*) as known_customers,
        sum(case when is_active then 1 else 0 end) as active_customers,
        sum(case when churned_today then 1 else 0 end) as churned_customers,
        sum(case when was_subscriber_at_day_start then 1 else 0 end) as subscribers_at_day_start,
        sum(case when subscription_status = 'active' then 1 else 0 end) as subscribers_at_day_end,
        sum({{ in_cents('current_mrr') }}) as mrr_cents
    from customer_metrics
    group by date

),

activity_by_date as (

    select
        known_date as date,
        sum(case when activity_type = 'ticket_opened' then 1 else 0 end) as tickets_opened,
        sum(case when activity_type = 'ticket_resolved' then 1 else 0 end) as tickets_resolved,
        {{ median("case when activity_type = 'ticket_resolved' then duration_hours end") }}
            as median_resolution_hours,
        sum(case when activity_type = 'ticket_resolved' then {{ in_seconds('duration_hours') }} end)
            / nullif(sum(case when activity_type = 'ticket_resolved' and duration_hours is not null then 1 else 0 end), 0)
            / 3600.0 as avg_resolution_hours,
        sum(case when activity_type in ('order_placed', 'order_returned') then {{ in_cents('amount') }} else 0 end) as revenue_cents,
        sum(case when activity_type = 'order_placed' then 1 else 0 end) as orders,
        sum(case when activity_type = 'payment_succeeded' then {{ in_cents('amount') }} else 0 end) as payments_collected_cents,
        sum(case when activity_type = 'payment_failed' then 1 else 0 end) as failed_payments
    from activities
    group by known_date

),

survey_answers as (

    select known_date, activity_type, score
    from activities
    where activity_type in ('survey_nps', 'survey_csat', 'survey_effort')

),

surveys_trailing as (

    select
        customers_by_date.date,
        count(*) as responses,
        sum(case when survey_answers.activity_type = 'survey_nps' then 1 else 0 end) as nps_responses,
        sum(case when survey_answers.activity_type = 'survey_nps' and survey_answers.score >= 9 then 1 else 0 end)
            as promoters,
        sum(case when survey_answers.activity_type = 'survey_nps' and survey_answers.score <= 6 then 1 else 0 end)
            as detractors,
        avg(case when survey_answers.activity_type = 'survey_csat' then survey_answers.score end) as csat_avg,
        avg(case when survey_answers.activity_type = 'survey_effort' then survey_answers.score end) as effort_avg
    from customers_by_date
    inner join survey_answers
        on survey_answers.known_date <= customers_by_date.date
        and survey_answers.known_date >= {{ dbt.dateadd('day', -(trailing_days - 1), 'customers_by_date.date') }}
    group by customers_by_date.date

),

final as (

    select
        cast(customers_by_date.date as date) as date,
        cast(round(
            100.0 * (surveys_trailing.promoters - surveys_trailing.detractors)
            / nullif(surveys_trailing.nps_responses, 0), 1) as {{ type_double() }}) as nps,
        cast(coalesce(surveys_trailing.nps_responses, 0) as {{ dbt.type_int() }}) as nps_responses,
        cast(round(surveys_trailing.csat_avg, 2) as {{ type_double() }}) as csat_avg,
        cast(round(surveys_trailing.effort_avg, 2) as {{ type_double() }}) as effort_avg,
        cast(coalesce(surveys_trailing.responses, 0) as {{ dbt.type_int() }}) as responses,
        cast(coalesce(activity_by_date.tickets_opened, 0) as {{ dbt.type_int() }}) as tickets_opened,
        cast(coalesce(activity_by_date.tickets_resolved, 0) as {{ dbt.type_int() }}) as tickets_resolved,
        cast(round(activity_by_date.median_resolution_hours, 2) as {{ type_double() }}) as median_resolution_hours,
        cast(round(activity_by_date.avg_resolution_hours, 2) as {{ type_double() }}) as avg_resolution_hours,
        cast(customers_by_date.known_customers as {{ dbt.type_int() }}) as known_customers,
        cast(customers_by_date.active_customers as {{ dbt.type_int() }}) as active_customers,
        cast(customers_by_date.subscribers_at_day_start as {{ dbt.type_int() }}) as subscribers_at_day_start,
        cast(customers_by_date.subscribers_at_day_end as {{ dbt.type_int() }}) as subscribers_at_day_end,
        cast(customers_by_date.churned_customers as {{ dbt.type_int() }}) as churned_customers,
        cast(round(
            1.0 * customers_by_date.churned_customers / nullif(customers_by_date.subscribers_at_day_start, 0), 6)
            as {{ type_double() }}) as churn_rate,
        cast(round(customers_by_date.mrr_cents / 100.0, 2) as {{ type_double() }}) as mrr,
        cast(coalesce(activity_by_date.orders, 0) as {{ dbt.type_int() }}) as orders,
        cast(round(coalesce(activity_by_date.revenue_cents, 0) / 100.0, 2) as {{ type_double() }}) as revenue,
        cast(round(coalesce(activity_by_date.payments_collected_cents, 0) / 100.0, 2) as {{ type_double() }}) as payments_collected,
        cast(coalesce(activity_by_date.failed_payments, 0) as {{ dbt.type_int() }}) as failed_payments
    from customers_by_date
    left join activity_by_date
        on customers_by_date.date = activity_by_date.date
    left join surveys_trailing
        on customers_by_date.date = surveys_trailing.date

)

select * from final
