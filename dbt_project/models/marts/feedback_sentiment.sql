{#
    One row per customer text (survey comment, ticket subject) with its sentiment, for the
    experience score and the feedback analytics. The text itself stays in the warehouse
    (feedback.text_sentiment): it may hold personal data. Rebuilt every run, so customer_id
    follows the current identity map; everything else is fixed once the text landed.
#}
with

texts as (

    select * from {{ source('feedback', 'text_sentiment') }}

),

identity_map as (

    select * from {{ ref('customer_identity_map') }}
    where source_system = 'support'

),

tickets as (

    select ticket_id, ticket_category from {{ ref('int_ticket_facts') }}

),

final as (

    select
        cast(texts.text_kind as {{ dbt.type_string() }}) as text_kind,
        cast(texts.record_id as {{ dbt.type_string() }}) as record_id,
        cast(identity_map.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(texts.ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(coalesce(tickets.ticket_category, 'general') as {{ dbt.type_string() }}) as feedback_category,
        cast(texts.survey_type as {{ dbt.type_string() }}) as survey_type,
        cast(texts.text_at as {{ dbt.type_timestamp() }}) as text_at,
        cast(texts.landed_date as date) as landed_date,
        cast(
            case
                when {{ to_date('texts.text_at') }} > texts.landed_date then {{ to_date('texts.text_at') }}
                else texts.landed_date
            end as date
        ) as known_date,
        cast(texts.compound as {{ type_double() }}) as compound,
        cast(texts.positive as {{ type_double() }}) as positive,
        cast(texts.neutral as {{ type_double() }}) as neutral,
        cast(texts.negative as {{ type_double() }}) as negative,
        cast(texts.sentiment_label as {{ dbt.type_string() }}) as sentiment_label,
        cast(texts.sentiment_model as {{ dbt.type_string() }}) as sentiment_model
    from texts
    left join identity_map
        on texts.requester_id = identity_map.source_record_id
    left join tickets
        on texts.ticket_id = tickets.ticket_id

)

select * from final
