{{ config(**incremental_window_config('label_known_date')) }}
{#
    Training examples of the offer acceptance model: one row per offer exposure, written by
    the run of the day its outcome counts as known (response_window_days after the exposure
    first landed), with the customer's features of the day before the exposure. A model
    trained as of day T reads the rows with label_known_date <= T: it never sees a response
    that had not landed by T. exposure_policy = 'random' marks the explore exposures that
    off-line evaluation of a ranking policy relies on.
#}
{%- set response_window_days = var('nbo_response_window_days') -%}

with

exposures as (

    select * from {{ ref('stg_marketing__offer_exposures') }}
    where {{ in_landing_window(dbt.dateadd('day', response_window_days, 'first_landed_date')) }}

),

identity_map as (

    select * from {{ ref('customer_identity_map') }}
    where source_system = 'marketing'

),

features as (

    select * from {{ ref('churn_features') }}

),

context as (

    select * from {{ ref('offer_customer_context') }}

),

labelled as (

    select
        cast({{ dbt.dateadd('day', response_window_days, 'exposures.first_landed_date') }} as date) as label_known_date,
        exposures.exposure_id,
        identity_map.customer_id,
        exposures.offer_id,
        exposures.channel,
        exposures.exposure_policy,
        {{ to_date('exposures.exposed_at') }} as exposed_date,
        -- a date, not dateadd's timestamp: joined on as a timestamp, DuckDB read every row of
        -- the features and the context (all history) instead of only the window's days
        cast({{ dbt.dateadd('day', -1, to_date('exposures.exposed_at')) }} as date) as features_date,
        coalesce(
            exposures.first_response = 'accepted'
            and exposures.response_landed_date
                <= {{ dbt.dateadd('day', response_window_days, 'exposures.first_landed_date') }},
            false
        ) as accepted
    from exposures
    inner join identity_map
        on identity_map.source_record_id = exposures.contact_id

),

final as (

    select
        labelled.label_known_date,
        labelled.exposure_id,
        labelled.customer_id,
        labelled.offer_id,
        labelled.channel,
        labelled.exposure_policy,
        labelled.exposed_date,
        labelled.accepted,
        labelled.features_date,
        features.tenure_days,
        features.days_since_last_purchase,
        features.days_since_last_engagement,
        features.orders_90d,
        features.revenue_90d,
        features.email_clicks_30d,
        features.web_visits_30d,
        features.engagement_score,
        features.engagement_trend,
        features.experience_score,
        features.cancel_signals_30d,
        features.tickets_opened_30d,
        features.current_mrr,
        features.annual_value,
        context.is_subscriber,
        context.plan,
        context.offers_shown_in_period,
        context.top_category,
        context.top_category_share,
        context.second_category,
        context.second_category_share,
        context.top_viewed_category,
        context.top_viewed_category_share,
        context.second_viewed_category,
        context.second_viewed_category_share
    from labelled
    left join features
        on features.customer_id = labelled.customer_id
        and features.as_of_date = labelled.features_date
    left join context
        on context.customer_id = labelled.customer_id
        and context.as_of_date = labelled.features_date

)

select * from final
