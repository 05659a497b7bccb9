{#
    Sentiment of the customers' texts per ISO week (Monday start, by known_date), kind of
    text and category: how the tone of comments and tickets moves over time. Rebuilt every
    run from feedback_sentiment.
#}
with

texts as (

    select * from {{ ref('feedback_sentiment') }}

),

final as (

    select
        cast({{ dbt.date_trunc('week', 'known_date') }} as date) as week_start,
        cast(text_kind as {{ dbt.type_string() }}) as text_kind,
        cast(feedback_category as {{ dbt.type_string() }}) as feedback_category,
        cast(count(*) as {{ dbt.type_int() }}) as texts,
        cast(count(distinct customer_id) as {{ dbt.type_int() }}) as customers,
        cast(round(avg(compound), 4) as {{ type_double() }}) as avg_compound,
        cast(round(avg(case when sentiment_label = 'negative' then 1.0 else 0.0 end), 4) as {{ type_double() }})
            as negative_share,
        cast(round(avg(case when sentiment_label = 'positive' then 1.0 else 0.0 end), 4) as {{ type_double() }})
            as positive_share
    from texts
    group by 1, 2, 3

)

select * from final
