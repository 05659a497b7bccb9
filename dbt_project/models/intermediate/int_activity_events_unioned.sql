{{ config(materialized='ephemeral') }}
{#
    Every activity of every source system in one shape, keyed by the person-record it
    belongs to (source_system, source_record_id); fct_customer_activity adds customer_id.
    Ephemeral: the activities are stored once, in fct_customer_activity, which this query
    is compiled into (a table here held a second copy, as large as the mart).

    landed_date is the knowledge date of the row: the day the record (or the version
    that made the activity happen, e.g. the first resolved version of a ticket) FIRST
    landed. Together with the other columns it depends only on data landed up to that
    day, so it never changes when later data lands (see macros/versions.sql). That is what
    lets fct_customer_activity be incremental on the landing window: a run adds the
    activities whose landed_date is in it. The e-mail and web events (most of the rows) are
    read from their incremental staging tables by the window; the other sources are filtered
    to it at the end.
#}
with

email_events as (

    select * from {{ ref('stg_marketing__email_events') }}
    where {{ in_landing_window('first_landed_date') }}

),

web_events as (

    select * from {{ ref('stg_marketing__web_events') }}
    where {{ in_landing_window('first_landed_date') }}

),

registrations as (

    select * from {{ ref('stg_marketing__event_registrations') }}

),

offer_exposures as (

    select * from {{ ref('stg_marketing__offer_exposures') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

tickets as (

    select * from {{ ref('int_ticket_facts') }}

),

surveys as (

    select * from {{ ref('stg_support__surveys') }}

),

subscription_events as (

    select * from {{ ref('int_subscription_events') }}

),

invoices as (

    select * from {{ ref('stg_finance__invoices') }}

),

payments as (

    select * from {{ ref('int_payments_enriched') }}

),

{%- set null_double = "cast(null as " ~ type_double() ~ ")" %}
{%- set null_string = "cast(null as " ~ dbt.type_string() ~ ")" %}

email_activities as (

    select
        'marketing' as source_system,
        contact_id as source_record_id,
        'email_' || event_type as activity_type,
        event_at as activity_at,
        first_landed_date as landed_date,
        {{ null_double }} as amount,
        {{ null_double }} as score,
        {{ null_double }} as duration_hours,
        event_id as reference_id,
        event_id as activity_key,
        campaign_id as detail
    from email_events

),

web_activities as (

    select
        'marketing' as source_system,
        contact_id as source_record_id,
        case event_type
            when 'page_view' then 'web_page_view'
            when 'pricing_view' then 'web_pricing_view'
            when 'help_article' then 'help_article_view'
            when 'login' then 'login'
        end as activity_type,
        event_at as activity_at,
        first_landed_date as landed_date,
        {{ null_double }} as amount,
        {{ null_double }} as score,
        {{ null_double }} as duration_hours,
        event_id as reference_id,
        event_id as activity_key,
        page as detail
    from web_events

),

registration_activities as (

    select
        'marketing' as source_system,
        contact_id as source_record_id,
        'event_registered' as activity_type,
        registered_at as activity_at,
        first_landed_date as landed_date,
        {{ null_double }} as amount,
        {{ null_double }} as score,
        {{ null_double }} as duration_hours,
        registration_id as reference_id,
        registration_id as activity_key,
        event_name as detail
    from registrations

    union all

    -- attendance has no time of its own: the registration's time, known when first reported
    select
        'marketing' as source_system,
        contact_id as source_record_id,
        'event_attended' as activity_type,
        registered_at as activity_at,
        attended_landed_date as landed_date,
        {{ null_double }} as amount,
        {{ null_double }} as score,
        {{ null_double }} as duration_hours,
        registration_id as reference_id,
        registration_id as activity_key,
        event_name as detail
    from registrations
    where attended_landed_date is not null

),

offer_activities as (

    select
        'marketing' as source_system,
        contact_id as source_record_id,
        'offer_exposed' as activity_type,
        exposed_at as activity_at,
        first_landed_date as landed_date,
        {{ null_double }} as amount,
        {{ null_double }} as score,
        {{ null_double }} as duration_hours,
        exposure_id as reference_id,
        exposure_id as activity_key,
        offer_id as detail
    from offer_exposures

    union all

    select
        'marketing' as source_system,
        contact_id as source_record_id,
        'offer_' || first_response as activity_type,
        first_responded_at as activity_at,
        response_landed_date as landed_date,
        {{ null_double }} as amount,
        {{ null_double }} as score,
        {{ null_double }} as duration_hours,
        exposure_id as reference_id,
        exposure_id as activity_key,
        offer_id as detail
    from offer_exposures
    where response_landed_date is not null

),

order_activities as (

    -- classified by the order as first landed; the amount is what its lines said then
    select
        'sales' as source_system,
        crm_id as source_record_id,
        case
            when first_order_status = 'returned' or net_amount_at_landing < 0 then 'order_returned'
            else 'order_placed'
        end as activity_type,
        ordered_at as activity_at,
        first_landed_date as landed_date,
        cast(net_amount_at_landing as {{ type_double() }}) as amount,
        {{ null_double }} as score,
        {{ null_double }} as duration_hours,
        order_id as reference_id,
        order_id as activity_key,
        order_channel as detail
    from orders
    where first_order_status <> 'cancelled'

),

ticket_activities as (

    select
        'support' as source_system,
        requester_id as source_record_id,
        'ticket_opened' as activity_type,
        opened_at as activity_at,
        first_landed_date as landed_date,
        {{ null_double }} as amount,
        {{ null_double }} as score,
        {{ null_double }} as duration_hours,
        ticket_id as reference_id,
        ticket_id as activity_key,
        ticket_category as detail
    from tickets

    union all

    select
        'support' as source_system,
        requester_id as source_record_id,
        'ticket_resolved' as activity_type,
        first_resolved_at as activity_at,
        resolved_landed_date as landed_date,
        {{ null_double }} as amount,
        {{ null_double }} as score,
        first_resolution_hours as duration_hours,
        ticket_id as reference_id,
        ticket_id as activity_key,
        ticket_category as detail
    from tickets
    where resolved_landed_date is not null

    union all

    select
        'support' as source_system,
        requester_id as source_record_id,
        'ticket_escalated' as activity_type,
        first_escalated_at as activity_at,
        escalated_landed_date as landed_date,
        {{ null_double }} as amount,
        {{ null_double }} as score,
        {{ null_double }} as duration_hours,
        ticket_id as reference_id,
        ticket_id as activity_key,
        ticket_category as detail
    from tickets
    where escalated_landed_date is not null

    union all

    select
        'support' as source_system,
        requester_id as source_record_id,
        'ticket_reopened' as activity_type,
        first_reopened_at as activity_at,
        reopened_landed_date as landed_date,
        {{ null_double }} as amount,
        {{ null_double }} as score,
        {{ null_double }} as duration_hours,
        ticket_id as reference_id,
        ticket_id as activity_key,
        ticket_category as detail
    from tickets
    where reopened_landed_date is not null

),

survey_activities as (

    select
        'support' as source_system,
        requester_id as source_record_id,
        'survey_' || survey_type as activity_type,
        submitted_at as activity_at,
        first_landed_date as landed_date,
        {{ null_double }} as amount,
        cast(score as {{ type_double() }}) as score,
        {{ null_double }} as duration_hours,
        survey_id as reference_id,
        survey_id as activity_key,
        ticket_id as detail
    from surveys

),

subscription_activities as (

    select
        'finance' as source_system,
        account_id as source_record_id,
        event_type as activity_type,
        event_at as activity_at,
        landed_date,
        cast(mrr_amount as {{ type_double() }}) as amount,
        {{ null_double }} as score,
        {{ null_double }} as duration_hours,
        subscription_id as reference_id,
        subscription_version_id as activity_key,
        plan as detail
    from subscription_events

),

invoice_activities as (

    select
        'finance' as source_system,
        account_id as source_record_id,
        'invoice_issued' as activity_type,
        issued_at as activity_at,
        first_landed_date as landed_date,
        cast(invoice_amount as {{ type_double() }}) as amount,
        {{ null_double }} as score,
        {{ null_double }} as duration_hours,
        invoice_id as reference_id,
        invoice_id as activity_key,
        subscription_id as detail
    from invoices

),

payment_activities as (

    select
        'finance' as source_system,
        account_id as source_record_id,
        'payment_' || payment_status as activity_type,
        attempted_at as activity_at,
        first_landed_date as landed_date,
        cast(payment_amount as {{ type_double() }}) as amount,
        {{ null_double }} as score,
        {{ null_double }} as duration_hours,
        payment_id as reference_id,
        payment_id as activity_key,
        invoice_id as detail
    from payments

    union all

    -- late: succeeded after the invoice's due date; known once payment and invoice landed
    select
        'finance' as source_system,
        account_id as source_record_id,
        'payment_late' as activity_type,
        attempted_at as activity_at,
        late_known_date as landed_date,
        cast(payment_amount as {{ type_double() }}) as amount,
        {{ null_double }} as score,
        cast(days_late * 24 as {{ type_double() }}) as duration_hours,
        payment_id as reference_id,
        payment_id as activity_key,
        invoice_id as detail
    from payments
    where is_late

),

unioned as (

    select * from email_activities
    union all
    select * from web_activities
    union all
    select * from registration_activities
    union all
    select * from offer_activities
    union all
    select * from order_activities
    union all
    select * from ticket_activities
    union all
    select * from survey_activities
    union all
    select * from subscription_activities
    union all
    select * from invoice_activities
    union all
    select * from payment_activities

),

final as (

    select
        {{ dbt.hash(dbt.concat(["source_system", "':'", "activity_type", "':'", "activity_key"])) }} as activity_id,
        source_system,
        source_record_id,
        activity_type,
        {{ activity_category('activity_type') }} as activity_category,
        activity_at,
        {{ to_date('activity_at') }} as activity_date,
        landed_date,
        amount,
        score,
        duration_hours,
        reference_id,
        activity_key,
        detail
    from unioned
    where {{ in_landing_window('landed_date') }}

)

select * from final
